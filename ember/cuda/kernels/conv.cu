// col2im for the im2col + GEMM convolution: each input pixel gathers the column-gradient entries of every
// window that covers it (no atomics, so the sum order is fixed), and padding is cropped on the way: one
// launch instead of zero-filling, kh*kw strided additions and a cropping copy.
// gc: (N*C, kh, kw, OH, OW) contiguous; gx: (N*C, H, W).
template <typename T>
__global__ void col2im(const T* gc, T* gx, long long NC, long long H, long long W, long long kh, long long kw,
                       long long sh, long long sw, long long dh, long long dw, long long pt, long long pl,
                       long long OH, long long OW) {
    EMBER_FOR(i, NC * H * W) {
        const long long w = i % W, h = (i / W) % H, nc = i / (H * W);
        const T* g = gc + nc * kh * kw * OH * OW;
        T acc = (T)0;
        for (long long a = 0; a < kh; ++a) {
            const long long oh = ember_window(h, pt, a, dh, sh, OH);
            if (oh < 0) continue;
            for (long long b = 0; b < kw; ++b) {
                const long long ow = ember_window(w, pl, b, dw, sw, OW);
                if (ow >= 0) acc += g[((a * kw + b) * OH + oh) * OW + ow];
            }
        }
        gx[i] = acc;
    }
}

// The GPU's own im2col layout (groups == 1): cols is (K, N*P) with K = C*kh*kw and P = OH*OW, so the forward
// is one plain GEMM W (O, K) @ cols and both gradients are plain GEMMs too (no batched GEMM: CuPy builds a
// batched product's pointer arrays with three more launches and much Python). Padding reads as zero.
template <typename T>
__global__ void im2col_knp(const T* x, T* cols, long long N, long long C, long long H, long long W, long long kh,
                           long long kw, long long sh, long long sw, long long dh, long long dw, long long pt,
                           long long pl, long long OH, long long OW) {
    const long long P = OH * OW, NP = N * P;
    EMBER_FOR(e, C * kh * kw * NP) {
        const long long col = e % NP, k = e / NP;
        const long long n = col / P, p = col % P, oh = p / OW, ow = p % OW;
        const long long c = k / (kh * kw), a = (k / kw) % kh, b = k % kw;
        const long long r = oh * sh - pt + a * dh, q = ow * sw - pl + b * dw;
        cols[e] = (r >= 0 && r < H && q >= 0 && q < W) ? x[((n * C + c) * H + r) * W + q] : (T)0;
    }
}

// (O, N*P) GEMM output to (N, O, P), plus the bias when there is one.
template <typename T>
__global__ void onp_to_nop(const T* src, const T* bias, T* dst, long long O, long long N, long long P,
                           int has_bias) {
    EMBER_FOR(e, N * O * P) {
        const long long p = e % P, o = (e / P) % O, n = e / (P * O);
        const T v = src[(o * N + n) * P + p];
        dst[e] = has_bias ? v + bias[o] : v;
    }
}

// (N, O, P) gradient to (O, N*P), the layout the gradient GEMMs read.
template <typename T>
__global__ void nop_to_onp(const T* src, T* dst, long long O, long long N, long long P) {
    EMBER_FOR(e, O * N * P) {
        const long long p = e % P, n = (e / P) % N, o = e / (P * N);
        dst[e] = src[(n * O + o) * P + p];
    }
}

// col2im for the (K, N*P) layout: each input pixel gathers the entries of every window covering it.
template <typename T>
__global__ void col2im_knp(const T* gcols, T* gx, long long N, long long C, long long H, long long W, long long kh,
                           long long kw, long long sh, long long sw, long long dh, long long dw, long long pt,
                           long long pl, long long OH, long long OW) {
    const long long P = OH * OW, NP = N * P;
    EMBER_FOR(i, N * C * H * W) {
        const long long w = i % W, h = (i / W) % H, c = (i / (H * W)) % C, n = i / (C * H * W);
        T acc = (T)0;
        for (long long a = 0; a < kh; ++a) {
            const long long oh = ember_window(h, pt, a, dh, sh, OH);
            if (oh < 0) continue;
            for (long long b = 0; b < kw; ++b) {
                const long long ow = ember_window(w, pl, b, dw, sw, OW);
                if (ow >= 0) acc += gcols[((c * kh + a) * kw + b) * NP + n * P + oh * OW + ow];
            }
        }
        gx[i] = acc;
    }
}
