/* fuzz-main.c — runs a fuzz target over the files under the paths given, for builds without libFuzzer: the corpus as a test. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static size_t n_inputs;

static int run_file(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        if (flag != FTW_F)
                return 0;
        FILE *f = fopen(path, "rb");
        if (!f)
                return -1;
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        n_inputs++;
        return 0;
}

int main(int argc, char **argv) {
        LLVMFuzzerInitialize(&argc, &argv);
        for (int i = 1; i < argc; i++)
                if (nftw(argv[i], run_file, 8, FTW_PHYS) != 0) {
                        perror(argv[i]);
                        return EXIT_FAILURE;
                }
        printf("%zu inputs run\n", n_inputs);
        return n_inputs > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
