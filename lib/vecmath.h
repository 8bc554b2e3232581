/* vecmath.h — exp and log over arrays, several values at a time where the processor can. */
#pragma once

#include <stddef.h>

/*
 * x[i] = exp(x[i]) for i < n.  Each value is computed alone, whatever its neighbours
 * and its place in the array: a value gives the same result in any call on one
 * machine, within 4 ulp of the libm function's (glibc's bound for its vector functions).
 */
void vecmath_exp(double *x, size_t n);

/* x[i] = log(x[i]) for i < n, as vecmath_exp(). */
void vecmath_log(double *x, size_t n);
