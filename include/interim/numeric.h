/* numeric.h — GSL set-up and the mapping of its status codes to the library's errors. */
#pragma once

/* Turns GSL's aborting error handler off; call once before any statistic. */
void numeric_init(void);

/* Maps a GSL status to 0, -ENOMEM, -ERANGE (overflow/underflow) or -EDOM (anything else). */
int numeric_status(int gsl_status);
