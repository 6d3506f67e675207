// Shared by every ember kernel source (prepended by ember/cuda/_compile.py). No #include: NVRTC compiles these
// without system headers, and the CPU emulator used by the tests compiles them as plain C++.

// Math with one name per operation for float and double (CUDA's f-suffixed functions are the float ones).
__device__ __forceinline__ float ember_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double ember_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float ember_exp(float x) { return expf(x); }
__device__ __forceinline__ double ember_exp(double x) { return exp(x); }
__device__ __forceinline__ float ember_log(float x) { return logf(x); }
__device__ __forceinline__ double ember_log(double x) { return log(x); }
__device__ __forceinline__ float ember_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double ember_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float ember_erf(float x) { return erff(x); }
__device__ __forceinline__ double ember_erf(double x) { return erf(x); }
// finite: NaN fails every comparison, infinities exceed the largest finite value
__device__ __forceinline__ bool ember_isfinite(float x) { return fabsf(x) <= 3.402823466e38f; }
__device__ __forceinline__ bool ember_isfinite(double x) { return fabs(x) <= 1.7976931348623157e308; }
// NumPy's maximum: NaN in either operand gives NaN
template <typename T> __device__ __forceinline__ T ember_max(T a, T b) { return (a != a || a > b) ? a : b; }

// Grid-stride loop over [0, n): any launch size covers every element exactly once.
#define EMBER_FOR(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)blockDim.x * gridDim.x)

// Gathering kernels (col2im, the max-pooling gradient) ask, for an input position `h` and a window tap `a`,
// which window covers it: the output index along that axis, or -1 when none does (with padding `pad`,
// stride `s`, dilation `d` and `n_out` windows, h + pad - a * d must be a non-negative multiple of s below
// s * n_out).
__device__ __forceinline__ long long ember_window(long long h, long long pad, long long a, long long d, long long s,
                                                  long long n_out) {
    const long long hp = h + pad - a * d;
    return (hp < 0 || hp % s != 0 || hp / s >= n_out) ? -1 : hp / s;
}
