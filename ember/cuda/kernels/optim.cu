// Fused optimiser steps: one pass over each parameter's arrays instead of 4 to 10 array-module calls.
// Each element update performs the same floating-point operations, in the same order, as the unfused
// functions in ember/optim/_functional.py (which follow PyTorch's single-tensor implementations); only the
// GPU's fused multiply-add may round some steps more precisely.

// ---- SGD ---------------------------------------------------------------------------------------------
template <typename T>
__device__ __forceinline__ void sgd_element(T* p, const T* g, T* buf, long long i, T lr, T momentum, T damp1,
                                            T wd, bool use_momentum, bool dampening, bool nesterov,
                                            bool maximize, bool first) {
    T d = maximize ? -g[i] : g[i];
    if (wd != (T)0) d = p[i] * wd + d;                   // weight decay: wd * p + g (or - g when maximizing)
    T step = d;
    if (use_momentum) {
        T b;
        if (first) {
            b = d;                                      // the buffer starts as the first gradient
        } else {
            b = buf[i] * momentum;
            b = dampening ? b + d * damp1 : b + d;
        }
        buf[i] = b;
        step = nesterov ? b * momentum + d : b;
    }
    p[i] = p[i] - step * lr;
}

template <typename T>
__global__ void sgd_step(T* p, const T* g, T* buf, long long n, double lr, double momentum, double dampening,
                         double weight_decay, int nesterov, int maximize, int first) {
    const T lr_ = (T)lr, mom = (T)momentum, damp1 = (T)(1.0 - dampening), wd = (T)weight_decay;
    EMBER_FOR(i, n) {
        sgd_element(p, g, buf, i, lr_, mom, damp1, wd, momentum != 0.0, dampening != 0.0, nesterov != 0,
                    maximize != 0, first != 0);
    }
}

// ---- Adam / AdamW --------------------------------------------------------------------------------------
// One element's update on values in registers (m, v, vmax and p are updated in place).
template <typename T>
__device__ __forceinline__ void adam_math(T& pi, T gi, T& mi, T& vi, T& vmaxi, T one_minus_b1, T b2,
                                          T one_minus_b2, T eps, T wd, T decay, T step_size, T bc2_sqrt,
                                          bool amsgrad, bool maximize, bool decoupled) {
    if (decoupled) pi = pi * decay;                      // AdamW: p *= 1 - lr * weight_decay
    if (maximize) gi = -gi;
    if (!decoupled && wd != (T)0) gi = pi * wd + gi;     // Adam: L2 weight decay folded into the gradient
    mi = mi + (gi - mi) * one_minus_b1;                  // exp_avg.lerp_(g, 1 - beta1)
    vi = vi * b2 + (gi * one_minus_b2) * gi;             // exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2)
    T second = vi;
    if (amsgrad) {
        second = ember_max(vmaxi, vi);
        vmaxi = second;
    }
    T denom = ember_sqrt(second) / bc2_sqrt + eps;
    pi = pi - (mi / denom) * step_size;
}

template <typename T>
__device__ __forceinline__ void adam_element(T* p, const T* g, T* m, T* v, T* vmax, long long i, T one_minus_b1,
                                             T b2, T one_minus_b2, T eps, T wd, T decay, T step_size, T bc2_sqrt,
                                             bool amsgrad, bool maximize, bool decoupled) {
    T pi = p[i], mi = m[i], vi = v[i], vmaxi = amsgrad ? vmax[i] : (T)0;
    adam_math(pi, g[i], mi, vi, vmaxi, one_minus_b1, b2, one_minus_b2, eps, wd, decay, step_size, bc2_sqrt, amsgrad,
              maximize, decoupled);
    p[i] = pi;
    m[i] = mi;
    v[i] = vi;
    if (amsgrad) vmax[i] = vmaxi;
}

template <typename T>
__global__ void adam_step(T* p, const T* g, T* m, T* v, T* vmax, long long n, double lr, double beta1,
                          double beta2, double eps, double weight_decay, double step_size, double bc2_sqrt,
                          int amsgrad, int maximize, int decoupled) {
    const bool dec = decoupled != 0 && weight_decay != 0.0;
    const T omb1 = (T)(1.0 - beta1), b2 = (T)beta2, omb2 = (T)(1.0 - beta2), e = (T)eps, wd = (T)weight_decay,
            decay = (T)(1.0 - lr * weight_decay), ss = (T)step_size, bc2 = (T)bc2_sqrt;
    EMBER_FOR(i, n) {
        adam_element(p, g, m, v, vmax, i, omb1, b2, omb2, e, wd, decay, ss, bc2, amsgrad != 0, maximize != 0, dec);
    }
}

// ---- RMSprop -------------------------------------------------------------------------------------------
template <typename T>
__global__ void rmsprop_step(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, long long n, double lr,
                             double alpha, double eps, double weight_decay, double momentum, int centered,
                             int maximize) {
    const T lr_ = (T)lr, a = (T)alpha, oma = (T)(1.0 - alpha), e = (T)eps, wd = (T)weight_decay,
            mom = (T)momentum;
    EMBER_FOR(i, n) {
        T gi = maximize ? -g[i] : g[i];
        if (wd != (T)0) gi = p[i] * wd + gi;
        T sa = square_avg[i] * a + (gi * oma) * gi;
        square_avg[i] = sa;
        T avg;
        if (centered) {
            T ga = grad_avg[i];
            ga = ga + (gi - ga) * oma;
            grad_avg[i] = ga;
            avg = ember_sqrt(sa - ga * ga);
        } else {
            avg = ember_sqrt(sa);
        }
        avg = avg + e;
        T step;
        if (momentum > 0.0) {
            T b = buf[i] * mom + gi / avg;
            buf[i] = b;
            step = b * lr_;
        } else {
            step = (gi / avg) * lr_;
        }
        p[i] = p[i] - step;
    }
}

// ---- multi-tensor variants: every parameter of a group in one launch ---------------------------------
// ``table`` (int64) holds, for P tensors and C chunks:
//   [0, 5P)        pointers: p, g, m (or buf), v, vmax for each tensor (unused ones repeat p)
//   [5P, 6P)       element counts
//   [6P, 8P)       per tensor two words: Adam's step_size and bias_correction2_sqrt as bit-cast doubles
//                  (read only when the tensors' step counts differ: ``uniform`` passes the common ones),
//                  SGD's first-step flag
//   [8P, 8P+C)     the tensor of each chunk
//   [8P+C, 8P+2C)  the first element of each chunk
// Blocks take chunks (grid-stride over chunks); threads take the chunk's elements.
#define EMBER_ILP 4

template <typename T> struct alignas(4 * sizeof(T)) ember_vec4 { T v[4]; };

template <typename T>
__device__ __forceinline__ bool vec4_aligned(const T* a, const T* b, const T* c, const T* d, const T* e) {
    const unsigned long long bits = (unsigned long long)a | (unsigned long long)b | (unsigned long long)c |
                                    (unsigned long long)d | (unsigned long long)e;
    return bits % (4 * sizeof(T)) == 0;
}
__device__ __forceinline__ void chunk_of(const long long* table, int P, int C, long long chunk, long long c,
                                         long long* t, long long* start, long long* end) {
    *t = table[8 * (long long)P + c];
    *start = table[8 * (long long)P + C + c];
    *end = *start + chunk;
    if (*end > table[5 * (long long)P + *t]) *end = table[5 * (long long)P + *t];
}

template <typename T>
__global__ void adam_multi(const long long* table, int P, int C, long long chunk, double lr, double beta1,
                           double beta2, double eps, double weight_decay, int amsgrad, int maximize, int decoupled,
                           int uniform, double step_size, double bc2_sqrt) {
    const bool dec = decoupled != 0 && weight_decay != 0.0;
    const T omb1 = (T)(1.0 - beta1), b2 = (T)beta2, omb2 = (T)(1.0 - beta2), e = (T)eps, wd = (T)weight_decay,
            decay = (T)(1.0 - lr * weight_decay);
    const double* scalars = (const double*)(table + 6 * (long long)P);
    for (long long c = blockIdx.x; c < C; c += gridDim.x) {
        long long t, start, end;
        chunk_of(table, P, C, chunk, c, &t, &start, &end);
        T* p = (T*)table[5 * t];
        const T* g = (const T*)table[5 * t + 1];
        T* m = (T*)table[5 * t + 2];
        T* v = (T*)table[5 * t + 3];
        T* vmax = (T*)table[5 * t + 4];
        const T ss = (T)(uniform ? step_size : scalars[2 * t]), bc2 = (T)(uniform ? bc2_sqrt : scalars[2 * t + 1]);
        const bool ams = amsgrad != 0, maxi = maximize != 0;
        const long long stride = (long long)blockDim.x;
        if (vec4_aligned<T>(p, g, m, v, vmax) && start % 4 == 0) {
            // 4 consecutive elements per thread through 16-byte loads (PyTorch's fused Adam does the same):
            // one element at a time left an H200 at 2.8 TB/s where PyTorch reached 3.7
            const long long vend = start + (end - start) / 4 * 4;
            for (long long i = start + 4 * threadIdx.x; i < vend; i += 4 * stride) {
                ember_vec4<T> pv = *(const ember_vec4<T>*)(p + i), gv = *(const ember_vec4<T>*)(g + i),
                              mv = *(const ember_vec4<T>*)(m + i), vv = *(const ember_vec4<T>*)(v + i), wv = vv;
                if (ams) wv = *(const ember_vec4<T>*)(vmax + i);
                for (int k = 0; k < 4; ++k) {
                    adam_math(pv.v[k], gv.v[k], mv.v[k], vv.v[k], wv.v[k], omb1, b2, omb2, e, wd, decay, ss, bc2,
                              ams, maxi, dec);
                }
                *(ember_vec4<T>*)(p + i) = pv;
                *(ember_vec4<T>*)(m + i) = mv;
                *(ember_vec4<T>*)(v + i) = vv;
                if (ams) *(ember_vec4<T>*)(vmax + i) = wv;
            }
            for (long long i = vend + threadIdx.x; i < end; i += stride) {
                adam_element(p, g, m, v, vmax, i, omb1, b2, omb2, e, wd, decay, ss, bc2, ams, maxi, dec);
            }
            continue;
        }
        // unaligned (views into other memory): EMBER_ILP elements per thread per pass, all loads first
        for (long long base = start + threadIdx.x; base < end; base += stride * EMBER_ILP) {
            T pr[EMBER_ILP], gr[EMBER_ILP], mr[EMBER_ILP], vr[EMBER_ILP], vmr[EMBER_ILP];
            for (int k = 0; k < EMBER_ILP; ++k) {
                const long long i = base + k * stride;
                if (i < end) {
                    pr[k] = p[i];
                    gr[k] = g[i];
                    mr[k] = m[i];
                    vr[k] = v[i];
                    vmr[k] = ams ? vmax[i] : (T)0;
                }
            }
            for (int k = 0; k < EMBER_ILP; ++k) {
                if (base + k * stride < end) {
                    adam_math(pr[k], gr[k], mr[k], vr[k], vmr[k], omb1, b2, omb2, e, wd, decay, ss, bc2, ams, maxi,
                              dec);
                }
            }
            for (int k = 0; k < EMBER_ILP; ++k) {
                const long long i = base + k * stride;
                if (i < end) {
                    p[i] = pr[k];
                    m[i] = mr[k];
                    v[i] = vr[k];
                    if (ams) vmax[i] = vmr[k];
                }
            }
        }
    }
}

template <typename T>
__global__ void sgd_multi(const long long* table, int P, int C, long long chunk, double lr, double momentum,
                          double dampening, double weight_decay, int nesterov, int maximize) {
    const T lr_ = (T)lr, mom = (T)momentum, damp1 = (T)(1.0 - dampening), wd = (T)weight_decay;
    const long long* first = table + 6 * (long long)P;          // per tensor: 1 on its momentum buffer's first step
    for (long long c = blockIdx.x; c < C; c += gridDim.x) {
        long long t, start, end;
        chunk_of(table, P, C, chunk, c, &t, &start, &end);
        T* p = (T*)table[5 * t];
        const T* g = (const T*)table[5 * t + 1];
        T* buf = (T*)table[5 * t + 2];
        for (long long i = start + threadIdx.x; i < end; i += blockDim.x) {
            sgd_element(p, g, buf, i, lr_, mom, damp1, wd, momentum != 0.0, dampening != 0.0, nesterov != 0,
                        maximize != 0, first[2 * t] != 0);
        }
    }
}
