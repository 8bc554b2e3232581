/* fuzz.h — the entry points of a libFuzzer target, also called by fuzz-main.c where there is no libFuzzer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Prepares what every input shares, once.  Returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Runs one input; returns 0 (a failed property aborts). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
