// Fused nn kernels: activations (GELU, SiLU) and their gradients, ReLU's gradient, in one pass each, dropout's mask and output
// in one pass, and cross-entropy over class indices (log-softmax, weights, ignore_index, label smoothing,
// reduction) in two launches forward and one backward. Formulas follow the unfused code in ember/ops.

// ---- GELU and SiLU ---------------------------------------------------------------------------------------
#define EMBER_SQRT_2_OVER_PI 0.7978845608028654
#define EMBER_INV_SQRT_2 0.7071067811865476
#define EMBER_INV_SQRT_2PI 0.3989422804014327

template <typename T>
__global__ void gelu_forward(const T* x, T* y, long long n, int approx_tanh) {
    EMBER_FOR(i, n) {
        const T v = x[i];
        if (approx_tanh) {
            const T inner = (T)EMBER_SQRT_2_OVER_PI * (v + (T)0.044715 * v * v * v);
            y[i] = (T)0.5 * v * ((T)1 + ember_tanh(inner));
        } else {
            y[i] = (T)0.5 * v * ((T)1 + ember_erf(v * (T)EMBER_INV_SQRT_2));
        }
    }
}

template <typename T>
__global__ void gelu_backward(const T* g, const T* x, T* gx, long long n, int approx_tanh) {
    EMBER_FOR(i, n) {
        const T v = x[i];
        if (approx_tanh) {
            const T t = ember_tanh((T)EMBER_SQRT_2_OVER_PI * (v + (T)0.044715 * v * v * v));
            const T d_inner = (T)EMBER_SQRT_2_OVER_PI * ((T)1 + (T)(3 * 0.044715) * v * v);
            gx[i] = g[i] * ((T)0.5 * ((T)1 + t) + (T)0.5 * v * ((T)1 - t * t) * d_inner);
        } else {
            const T cdf = (T)0.5 * ((T)1 + ember_erf(v * (T)EMBER_INV_SQRT_2));
            const T pdf = ember_exp((T)-0.5 * v * v) * (T)EMBER_INV_SQRT_2PI;
            gx[i] = g[i] * (cdf + v * pdf);
        }
    }
}

template <typename T>
__device__ __forceinline__ T ember_sigmoid(T v) { return ember_tanh(v * (T)0.5) * (T)0.5 + (T)0.5; }

template <typename T>
__global__ void silu_forward(const T* x, T* y, long long n) {
    EMBER_FOR(i, n) {
        const T v = x[i];
        y[i] = v * ember_sigmoid(v);
    }
}

template <typename T>
__global__ void silu_backward(const T* g, const T* x, T* gx, long long n) {
    EMBER_FOR(i, n) {
        const T v = x[i];
        const T s = ember_sigmoid(v);
        gx[i] = g[i] * (s * ((T)1 + v * ((T)1 - s)));
    }
}

// ReLU's gradient in one pass (unfused: a comparison, then a product). Like PyTorch's threshold_backward, a
// masked element gets 0 even when the incoming gradient is NaN.
template <typename T>
__global__ void relu_backward(const T* g, const T* out, T* gx, long long n) {
    EMBER_FOR(i, n) {
        gx[i] = out[i] > (T)0 ? g[i] : (T)0;
    }
}

// ---- dropout ----------------------------------------------------------------------------------------------
// u: uniform samples in [0, 1) from cuRAND; mask = 1/(1-p) where u >= p, else 0; y = x * mask.
template <typename T>
__global__ void dropout_forward(const T* x, const T* u, T* y, T* mask, long long n, double p, double scale) {
    const T p_ = (T)p, s = (T)scale;
    EMBER_FOR(i, n) {
        const T m = u[i] >= p_ ? s : (T)0;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

// ---- cross-entropy over class indices --------------------------------------------------------------------
// x: (N, C) logits; target: (N,) int64; weight: (C,) class weights (has_weight), else unused.
// stats (5, N): per row the loss, the log-sum-exp, the target's weight ("coef": 0 when ignored, -1 when the
// target is out of range), the sum of the coefficients softmax is scaled by in the gradient, and 1/0 valid.
template <typename T>
__global__ void ce_rows(const T* x, const long long* target, const T* weight, T* stats, long long N, long long C,
                        long long ignore_index, double smoothing, int has_weight) {
    const T eps = (T)smoothing, one_minus_eps = (T)(1.0 - smoothing), eps_c = (T)(smoothing / (double)C);
    EMBER_FOR(r, N) {
        const T* xr = x + r * C;
        T m = xr[0];
        for (long long j = 1; j < C; ++j) m = ember_max(m, xr[j]);
        if (!ember_isfinite(m)) m = (T)0;                  // as the unfused log-softmax shifts
        T s = (T)0;
        for (long long j = 0; j < C; ++j) s += ember_exp(xr[j] - m);
        const T logs = ember_log(s);                       // log p_j = (x_j - m) - logs
        const long long t = target[r];
        const bool valid = t != ignore_index;
        const bool bad = valid && (t < 0 || t >= C);
        const bool use = valid && !bad;
        const T w = use ? (has_weight ? weight[t] : (T)1) : (T)0;
        T loss = use ? -((xr[t] - m) - logs) * w : (T)0;
        T asum = w;
        if (eps != (T)0) {
            T smooth = (T)0, wsum = (T)0;
            for (long long j = 0; j < C; ++j) {
                const T wj = has_weight ? weight[j] : (T)1;
                smooth += ((xr[j] - m) - logs) * wj;
                wsum += wj;
            }
            const T u = use ? (T)1 : (T)0;
            loss = loss * one_minus_eps + (-smooth * u) * eps_c;
            asum = one_minus_eps * w + eps_c * wsum * u;
        }
        stats[r] = bad ? ember_sqrt((T)-1) : loss;         // NaN: the row's target is out of range
        stats[N + r] = m + logs;
        stats[2 * N + r] = bad ? (T)-1 : w;
        stats[3 * N + r] = asum;
        stats[4 * N + r] = use ? (T)1 : (T)0;
    }
}

// The rows' sums in two deterministic passes (no atomics, a fixed order): ``parts`` threads each sum every
// parts-th row in double into ``partial`` = [totals | weight sums | out-of-range flags], then one thread adds
// the parts: out = [loss, 1 / sum of weights, 1 if a target was out of range]. A GPU thread waits out each
// load it depends on, so both loops keep EMBER_CE_ILP loads in flight and ember picks parts ~ sqrt-balanced
// (one thread over 8192 rows took 470 us on an H200; 1024 parts then one thread over them, 69 us).
#define EMBER_CE_ILP 8
template <typename T>
__global__ void ce_partial(const T* stats, double* partial, long long N, int parts) {
    EMBER_FOR(k, parts) {
        double total = 0, denom = 0, bad = 0;
        for (long long r0 = k; r0 < N; r0 += (long long)parts * EMBER_CE_ILP) {
            T loss[EMBER_CE_ILP], c[EMBER_CE_ILP];
            for (int u = 0; u < EMBER_CE_ILP; ++u) {
                const long long r = r0 + (long long)u * parts;
                loss[u] = r < N ? stats[r] : (T)0;
                c[u] = r < N ? stats[2 * N + r] : (T)0;
            }
            for (int u = 0; u < EMBER_CE_ILP; ++u) {
                if (c[u] < (T)0) {
                    bad = 1;
                } else {
                    total += (double)loss[u];
                    denom += (double)c[u];
                }
            }
        }
        partial[k] = total;
        partial[parts + k] = denom;
        partial[2 * (long long)parts + k] = bad;
    }
}

template <typename T>
__global__ void ce_finish(const double* partial, T* out, int parts, int mean) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        double total = 0, denom = 0, bad = 0;
        for (int k0 = 0; k0 < parts; k0 += EMBER_CE_ILP) {
            double t[EMBER_CE_ILP], d[EMBER_CE_ILP], b[EMBER_CE_ILP];
            for (int u = 0; u < EMBER_CE_ILP; ++u) {
                const int k = k0 + u;
                t[u] = k < parts ? partial[k] : 0.0;
                d[u] = k < parts ? partial[parts + k] : 0.0;
                b[u] = k < parts ? partial[2 * parts + k] : 0.0;
            }
            for (int u = 0; u < EMBER_CE_ILP; ++u) {
                total += t[u];
                denom += d[u];
                bad += b[u];
            }
        }
        out[0] = mean ? (T)(total / denom) : (T)total;
        out[1] = (T)(1.0 / denom);
        out[2] = bad != 0 ? (T)1 : (T)0;
    }
}

// d loss / d x_rj = (softmax_rj * asum_r - a_rj) * grow_r, with a_rj the row's coefficient at its target
// ((1 - eps) * w, plus eps/C * w_j for every class when smoothing) and grow_r the incoming gradient of the
// row: g[r] (reduction none), g * scale (mean), g (sum).
template <typename T>
__global__ void ce_backward(const T* x, const long long* target, const T* weight, const T* stats, const T* g,
                            const T* scale, T* gx, long long N, long long C, double smoothing, int has_weight,
                            int mode) {
    const T eps = (T)smoothing, one_minus_eps = (T)(1.0 - smoothing), eps_c = (T)(smoothing / (double)C);
    EMBER_FOR(i, N * C) {
        const long long r = i / C, j = i - r * C;
        const T grow = mode == 0 ? g[r] : (mode == 1 ? g[0] * scale[0] : g[0]);
        const T p = ember_exp(x[i] - stats[N + r]);
        const T coef = stats[2 * N + r];
        const bool at_target = target[r] == j;
        T a = at_target ? coef : (T)0;
        if (eps != (T)0) {
            a = at_target ? one_minus_eps * coef : (T)0;
            a = a + eps_c * (has_weight ? weight[j] : (T)1) * stats[4 * N + r];
        }
        gx[i] = (p * stats[3 * N + r] - a) * grow;
    }
}
