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
            const long long hp = h + pt - a * dh;           // = oh * sh for the windows that cover this row
            if (hp < 0 || hp % sh != 0 || hp / sh >= OH) continue;
            for (long long b = 0; b < kw; ++b) {
                const long long wp = w + pl - b * dw;
                if (wp < 0 || wp % sw != 0 || wp / sw >= OW) continue;
                acc += g[((a * kw + b) * OH + hp / sh) * OW + wp / sw];
            }
        }
        gx[i] = acc;
    }
}
