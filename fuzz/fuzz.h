/*
 * fuzz.h - what every harness shares.  A harness is one source that
 * builds for libFuzzer, for AFL++ (through -fsanitize=fuzzer, i.e.
 * libAFLDriver) and, with replay.c, as a plain program for `make check`.
 * A property that fails calls abort() so every engine reports it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FUZZ_CHECK failed at %s:%d\n", __FILE__, __LINE__); abort(); } } while (0)

#endif
