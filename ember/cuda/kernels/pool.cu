// Max pooling over (NC, H, W) planes in one launch each way, for any kernel, stride, padding, dilation and
// ceil_mode (positions outside the input are skipped, as the unfused code's -inf padding never wins).
// ``arg`` is the window position (i * kw + j) of each output's maximum: the first maximum, or the first NaN.

template <typename T>
__global__ void max_pool_forward(const T* x, T* out, int* arg, long long NC, long long H, long long W,
                                 long long OH, long long OW, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                                 int dw) {
    EMBER_FOR(o, NC * OH * OW) {
        const long long ow = o % OW, oh = (o / OW) % OH, plane = o / (OW * OH);
        const T* xs = x + plane * H * W;
        const long long r0 = oh * sh - ph, c0 = ow * sw - pw;
        T best = (T)0;
        int where = -1;
        for (int i = 0; i < kh; ++i) {
            const long long r = r0 + (long long)i * dh;
            if (r < 0 || r >= H) continue;
            for (int j = 0; j < kw; ++j) {
                const long long c = c0 + (long long)j * dw;
                if (c < 0 || c >= W) continue;
                const T v = xs[r * W + c];
                // the first in-bounds value; then a NaN beats anything but an earlier NaN, a larger value wins
                if (where < 0 || (v != v && best == best) || v > best) {
                    best = v;
                    where = i * kw + j;
                }
            }
        }
        out[o] = best;
        arg[o] = where;
    }
}

// Each input element gathers the gradients of the windows whose maximum it was (no atomics: a fixed order),
// so every element of gx is written.
template <typename T>
__global__ void max_pool_backward(const T* g, const int* arg, T* gx, long long NC, long long H, long long W,
                                  long long OH, long long OW, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                                  int dw) {
    EMBER_FOR(e, NC * H * W) {
        const long long c = e % W, r = (e / W) % H, plane = e / (W * H);
        const long long base = plane * OH * OW;
        T total = (T)0;
        for (int i = 0; i < kh; ++i) {
            const long long oh = ember_window(r, ph, i, dh, sh, OH);
            if (oh < 0) continue;
            for (int j = 0; j < kw; ++j) {
                const long long ow = ember_window(c, pw, j, dw, sw, OW);
                if (ow >= 0 && arg[base + oh * OW + ow] == i * kw + j) total += g[base + oh * OW + ow];
            }
        }
        gx[e] = total;
    }
}
