// jemalloc from Debian (libjemalloc-dev): the allocator the `victimcare` program runs on (BENCHMARKS.md, issue 17:
// an import spent a fifth of its CPU in glibc's malloc consolidating freed chunks). Linked into the executable, it
// takes malloc and free for the whole process; `mallctl` is its control interface (its version, its statistics).
#include <stddef.h>
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
