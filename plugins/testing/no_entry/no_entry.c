/* Test plugin "no-entry": looks like a plugin from outside but exports no entry point. */
#include <junction/abi.h>

__attribute__((used, section(JN_ABI_STAMP_SECTION))) const jn_abi_stamp junction_abi_stamp = {
    {'J', 'N', 'P', 'L', 'U', 'G', 'I', 'N'}, JN_ABI_MAJOR, JN_ABI_MINOR};

int junction_plugin_entry_misspelled(void) {
  return 0;
}
