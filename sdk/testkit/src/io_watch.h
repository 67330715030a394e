/* Counts the file opens and network connections a process makes while armed, so the
 * conformance suite can tell whether a connector's create did I/O. The test executable
 * defines open, openat, fopen, opendir, socket and connect itself (it is linked with its
 * symbols exported), so a loaded plugin's calls reach these wrappers first; each passes
 * the call on to the next definition unchanged. */
#ifndef JUNCTION_TESTKIT_IO_WATCH_H
#define JUNCTION_TESTKIT_IO_WATCH_H

#ifdef __cplusplus
extern "C" {
#endif

void jn_io_watch_arm(void);
/* Disarms and returns how many calls were seen; `first` receives what the first was. */
int jn_io_watch_disarm(char *first, unsigned long first_size);

#ifdef __cplusplus
}
#endif

#endif
