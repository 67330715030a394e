/* The fortified inline versions of open() would clash with the definitions below. */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include "io_watch.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

static atomic_int armed;
static atomic_int seen;
static char first_seen[512];

static void note(const char *what, const char *path) {
  if (!atomic_load(&armed)) return;
  if (atomic_fetch_add(&seen, 1) == 0) {
    snprintf(first_seen, sizeof first_seen, "%s(%s)", what, path == NULL ? "" : path);
  }
}

void jn_io_watch_arm(void) {
  first_seen[0] = '\0';
  atomic_store(&seen, 0);
  atomic_store(&armed, 1);
}

int jn_io_watch_disarm(char *first, unsigned long first_size) {
  atomic_store(&armed, 0);
  if (first != NULL && first_size > 0) snprintf(first, first_size, "%s", first_seen);
  return atomic_load(&seen);
}

/* The next definition of a function: libc's, or a sanitizer's in front of it. */
#define NEXT(name, next)                   \
  __typeof__(&name) next;                  \
  do {                                     \
    void *found = dlsym(RTLD_NEXT, #name); \
    memcpy(&next, &found, sizeof next);    \
  } while (0)

/* The mode is passed on only when the flags say it was given. */
static int mode_of(int flags, va_list args) {
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? va_arg(args, int) : 0;
}

int open(const char *path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const int mode = mode_of(flags, args);
  va_end(args);
  note("open", path);
  NEXT(open, next);
  return next(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const int mode = mode_of(flags, args);
  va_end(args);
  note("open", path);
  NEXT(open64, next);
  return next(path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const int mode = mode_of(flags, args);
  va_end(args);
  note("openat", path);
  NEXT(openat, next);
  return next(dir, path, flags, mode);
}

int openat64(int dir, const char *path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const int mode = mode_of(flags, args);
  va_end(args);
  note("openat", path);
  NEXT(openat64, next);
  return next(dir, path, flags, mode);
}

FILE *fopen(const char *path, const char *mode) {
  note("fopen", path);
  NEXT(fopen, next);
  return next(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
  note("fopen", path);
  NEXT(fopen64, next);
  return next(path, mode);
}

DIR *opendir(const char *path) {
  note("opendir", path);
  NEXT(opendir, next);
  return next(path);
}

int socket(int domain, int type, int protocol) {
  note("socket", NULL);
  NEXT(socket, next);
  return next(domain, type, protocol);
}

/* __CONST_SOCKADDR_ARG: glibc declares the address as a transparent union. */
int connect(int fd, __CONST_SOCKADDR_ARG address, socklen_t length) {
  note("connect", NULL);
  NEXT(connect, next);
  return next(fd, address, length);
}
