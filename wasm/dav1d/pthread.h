/*
 * The POSIX threads dav1d uses, for a single-threaded WebAssembly instance: wasi-libc has no
 * threads. Our glue asks dav1d for one thread and no frame delay, so it never starts a worker
 * (creating one fails) and never waits on a condition another thread would signal; mutexes and
 * condition variables are no-ops.
 */
#ifndef EDGE_RESIZER_PTHREAD_H
#define EDGE_RESIZER_PTHREAD_H
#include <errno.h>
#include <stddef.h>

typedef int pthread_t;
typedef struct { size_t stack_size; } pthread_attr_t;
typedef int pthread_mutex_t;
typedef int pthread_cond_t;
typedef int pthread_once_t;
#define PTHREAD_ONCE_INIT 0

static inline int pthread_attr_init(pthread_attr_t *attr) { attr->stack_size = 0; return 0; }
static inline int pthread_attr_destroy(pthread_attr_t *attr) { (void)attr; return 0; }
static inline int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size) {
  attr->stack_size = size;
  return 0;
}
static inline int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*run)(void *),
                                 void *arg) {
  (void)thread, (void)attr, (void)run, (void)arg;
  return EAGAIN;
}
static inline int pthread_join(pthread_t thread, void **result) { (void)thread, (void)result; return EINVAL; }
static inline int pthread_once(pthread_once_t *once, void (*init)(void)) {
  if (!*once) {
    *once = 1;
    init();
  }
  return 0;
}
static inline int pthread_mutex_init(pthread_mutex_t *mutex, const void *attr) { (void)attr; *mutex = 0; return 0; }
static inline int pthread_mutex_destroy(pthread_mutex_t *mutex) { (void)mutex; return 0; }
static inline int pthread_mutex_lock(pthread_mutex_t *mutex) { (void)mutex; return 0; }
static inline int pthread_mutex_unlock(pthread_mutex_t *mutex) { (void)mutex; return 0; }
static inline int pthread_cond_init(pthread_cond_t *cond, const void *attr) { (void)attr; *cond = 0; return 0; }
static inline int pthread_cond_destroy(pthread_cond_t *cond) { (void)cond; return 0; }
static inline int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex) { (void)cond, (void)mutex; return 0; }
static inline int pthread_cond_signal(pthread_cond_t *cond) { (void)cond; return 0; }
static inline int pthread_cond_broadcast(pthread_cond_t *cond) { (void)cond; return 0; }
#endif
