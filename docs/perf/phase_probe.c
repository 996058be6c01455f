// What one core of this machine can do right now, three ways, each over ~0.3 s, repeated ROUNDS times (argv[1],
// default 5), one line a round:
//   peak     FMAs on registers only (what peak_flops.c measures), GFLOP/s;
//   L1 tile  the AVX2 GEMM micro-kernel's shape (4 rows x 24 columns, 12 ymm accumulators, 3 loads and 4 broadcasts
//            per 12 FMAs) over data that stays in L1 (a 128-deep block), GFLOP/s and its share of peak: the most a
//            GEMM built on that kernel can reach in that second;
//   stream   a plain read of 28 MB (the FP32 shared layer of albert-base), GB/s: what the short-sequence forward
//            streams 12 times.
// On a quiet core the L1 tile sits at 93-97 % of peak; where it falls while peak does not, something else is using
// the core's load ports or L1 (on the VMs measured: phases of seconds to minutes). run-bench.sh runs it each round.
// Build: gcc -O3 -mavx2 -mfma phase_probe.c -o phase_probe
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static float peak(long n, float mul, float add)
{
    __m256 m = _mm256_set1_ps(mul), a = _mm256_set1_ps(add);
    // Distinct starting values, so the compiler cannot merge the twelve chains into one.
    __m256 x0 = _mm256_set1_ps(1.00f), x1 = _mm256_set1_ps(1.01f), x2 = _mm256_set1_ps(1.02f), x3 = _mm256_set1_ps(1.03f);
    __m256 x4 = _mm256_set1_ps(1.04f), x5 = _mm256_set1_ps(1.05f), x6 = _mm256_set1_ps(1.06f), x7 = _mm256_set1_ps(1.07f);
    __m256 x8 = _mm256_set1_ps(1.08f), x9 = _mm256_set1_ps(1.09f), x10 = _mm256_set1_ps(1.10f), x11 = _mm256_set1_ps(1.11f);
    for (long i = 0; i < n; i++) {
        x0 = _mm256_fmadd_ps(x0, m, a); x1 = _mm256_fmadd_ps(x1, m, a); x2 = _mm256_fmadd_ps(x2, m, a);
        x3 = _mm256_fmadd_ps(x3, m, a); x4 = _mm256_fmadd_ps(x4, m, a); x5 = _mm256_fmadd_ps(x5, m, a);
        x6 = _mm256_fmadd_ps(x6, m, a); x7 = _mm256_fmadd_ps(x7, m, a); x8 = _mm256_fmadd_ps(x8, m, a);
        x9 = _mm256_fmadd_ps(x9, m, a); x10 = _mm256_fmadd_ps(x10, m, a); x11 = _mm256_fmadd_ps(x11, m, a);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3)),
                             _mm256_add_ps(_mm256_add_ps(x4, x5), _mm256_add_ps(x6, x7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(x8, x9), _mm256_add_ps(x10, x11)));
    return _mm256_cvtss_f32(s);
}

// c[4][24] = a[4][k] . b[k][48 (first 24 used)], the layout of the packed panels.
static void tile(const float *a, long lda, const float *b, int k, float *c)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
    __m256 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
    for (int p = 0; p < k; p++, b += 48) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8), b2 = _mm256_load_ps(b + 16), v;
        v = _mm256_broadcast_ss(a + p);
        c00 = _mm256_fmadd_ps(v, b0, c00); c01 = _mm256_fmadd_ps(v, b1, c01); c02 = _mm256_fmadd_ps(v, b2, c02);
        v = _mm256_broadcast_ss(a + lda + p);
        c10 = _mm256_fmadd_ps(v, b0, c10); c11 = _mm256_fmadd_ps(v, b1, c11); c12 = _mm256_fmadd_ps(v, b2, c12);
        v = _mm256_broadcast_ss(a + 2 * lda + p);
        c20 = _mm256_fmadd_ps(v, b0, c20); c21 = _mm256_fmadd_ps(v, b1, c21); c22 = _mm256_fmadd_ps(v, b2, c22);
        v = _mm256_broadcast_ss(a + 3 * lda + p);
        c30 = _mm256_fmadd_ps(v, b0, c30); c31 = _mm256_fmadd_ps(v, b1, c31); c32 = _mm256_fmadd_ps(v, b2, c32);
    }
    _mm256_store_ps(c, c00); _mm256_store_ps(c + 8, c01); _mm256_store_ps(c + 16, c02);
    _mm256_store_ps(c + 24, c10); _mm256_store_ps(c + 32, c11); _mm256_store_ps(c + 40, c12);
    _mm256_store_ps(c + 48, c20); _mm256_store_ps(c + 56, c21); _mm256_store_ps(c + 64, c22);
    _mm256_store_ps(c + 72, c30); _mm256_store_ps(c + 80, c31); _mm256_store_ps(c + 88, c32);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    enum { K = 128, StreamBytes = 28 << 20 };
    float *a = aligned_alloc(64, 4 * K * sizeof(float)), *b = aligned_alloc(64, K * 48 * sizeof(float));
    float *c = aligned_alloc(64, 96 * sizeof(float)), *m = aligned_alloc(64, StreamBytes);
    for (int i = 0; i < 4 * K; i++) a[i] = 1e-3f * (i % 7);
    for (int i = 0; i < K * 48; i++) b[i] = 1e-3f * (i % 5);
    for (long i = 0; i < StreamBytes / 4; i++) m[i] = 1;
    volatile float sink = 0, multiplier = 0.9999f, addend = 1e-4f; // volatile: kept in registers, not folded
    for (int round = 0; round < rounds; round++) {
        long n = 150000000L; // about 0.3 s at 90 GFLOP/s
        double t0 = now();
        sink += peak(n, multiplier, addend);
        double gflops = 12.0 * 16 * n / (now() - t0) / 1e9;

        long tiles = 1100000; // about 0.3 s at 90 GFLOP/s
        t0 = now();
        for (long i = 0; i < tiles; i++) { tile(a, K, b, K, c); sink += c[i & 95]; }
        double tileGflops = 2.0 * 4 * 24 * K * tiles / (now() - t0) / 1e9;

        t0 = now();
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (int rep = 0; rep < 4; rep++)
            for (long i = 0; i < StreamBytes / 4; i += 32) {
                s0 = _mm256_add_ps(s0, _mm256_load_ps(m + i)); s1 = _mm256_add_ps(s1, _mm256_load_ps(m + i + 8));
                s2 = _mm256_add_ps(s2, _mm256_load_ps(m + i + 16)); s3 = _mm256_add_ps(s3, _mm256_load_ps(m + i + 24));
            }
        double gbs = 4.0 * StreamBytes / (now() - t0) / 1e9;
        sink += _mm256_cvtss_f32(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));

        printf("probe: peak %.1f GFLOP/s, L1 tile %.1f GFLOP/s (%.0f %% of peak), stream 28 MB %.1f GB/s\n", gflops,
               tileGflops, 100 * tileGflops / gflops, gbs);
        fflush(stdout);
    }
    return sink == 12345 ? 1 : 0;
}
