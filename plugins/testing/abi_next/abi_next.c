/* Test plugin "abi-next": stamped and built for ABI major + 1, which this host must refuse
 * before running any of its code. Written in C to show the ABI needs no C++. */
#include <stddef.h>

#include <junction/abi.h>

#define NEXT_MAJOR (JN_ABI_MAJOR + 1)

__attribute__((used, section(JN_ABI_STAMP_SECTION)))
const jn_abi_stamp junction_abi_stamp = {{'J', 'N', 'P', 'L', 'U', 'G', 'I', 'N'}, NEXT_MAJOR, 0};

static const jn_plugin table = {sizeof(jn_plugin),
                                NEXT_MAJOR,
                                0,
                                "abi-next",
                                "1.0.0",
                                NULL,
                                NULL,
                                NULL,
                                NULL,
                                NULL,
                                NULL,
                                NULL,
                                NULL};

__attribute__((visibility("default"))) const jn_plugin *junction_plugin_entry(uint32_t major,
                                                                              uint32_t minor) {
  (void)major;
  (void)minor;
  return &table;
}
