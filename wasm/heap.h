// The kernels' memory: a bump allocator over linear memory, grown on demand and reset at the start
// of each call (heap_reset), so nothing survives from one image to the next. No libc.
#pragma once
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;
static uintptr_t heap_top;

static inline void heap_reset(void) { heap_top = (uintptr_t)&__heap_base; }

/** 16-byte aligned `bytes`, or 0 when the memory cannot grow that far. */
static void *allocate(size_t bytes) {
  uintptr_t start = (heap_top + 15) & ~(uintptr_t)15;
  uintptr_t end = start + bytes;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  heap_top = end;
  return (void *)start;
}
