/*
 * setjmp for libaom in WebAssembly, which has no way to unwind the stack from C: setjmp returns 0,
 * and longjmp (libaom's aom_internal_error, on an allocation failure or a broken invariant) ends the
 * call through the host, which throws and discards the instance, as every codec's fatal error does.
 */
#ifndef EDGE_RESIZER_SETJMP_H
#define EDGE_RESIZER_SETJMP_H
typedef int jmp_buf[1];
__attribute__((import_module("env"), import_name("fail"), noreturn)) void host_fail(const char *message);
#define setjmp(buffer) ((void)(buffer), 0)
static inline __attribute__((noreturn)) void longjmp(jmp_buf buffer, int value) {
  (void)buffer, (void)value;
  host_fail("libaom stopped with an internal error");
}
#endif
