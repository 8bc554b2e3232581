/* numeric.c — GSL set-up and status mapping. */
#include <errno.h>
#include <gsl/gsl_errno.h>

#include "interim/numeric.h"

void numeric_init(void) {
        gsl_set_error_handler_off();
}

int numeric_status(int gsl_status) {
        switch (gsl_status) {
        case GSL_SUCCESS:
                return 0;
        case GSL_ENOMEM:
                return -ENOMEM;
        case GSL_EOVRFLW:
        case GSL_EUNDRFLW:
        case GSL_ERANGE:
                return -ERANGE;
        default:
                return -EDOM;
        }
}
