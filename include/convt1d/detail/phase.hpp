// The phase decomposition of a transposed convolution. Host and device.
//
// Output position j receives input t through tap k iff j + padding - k * dilation = t * stride.
// Write j + padding = m * stride + r with phase r in [0, stride). Tap k reaches phase r iff
// k * dilation = r (mod stride). With g = gcd(stride, dilation) only phases with r % g == 0 have
// taps; their taps are k0(r), k0(r) + stride / g, k0(r) + 2 * stride / g, ... below kernel_size,
// and tap number i reads input t = m - offset0(r) - i * (dilation / g). Within one phase the
// operator is therefore a unit-stride correlation over m: a small GEMM of
// (output channels) x (positions m) x (input channels x taps of the phase).
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define CONVT1D_HOST_DEVICE __host__ __device__
#else
#define CONVT1D_HOST_DEVICE
#endif

#include "../problem.hpp"

namespace convt1d::detail {

constexpr int64_t gcd(int64_t a, int64_t b) {
  while (b != 0) {
    const int64_t rest = a % b;
    a = b;
    b = rest;
  }
  return a;
}

// x with x * value = 1 (mod modulus), for coprime value and modulus; 0 when modulus is 1.
constexpr int64_t modular_inverse(int64_t value, int64_t modulus) {
  int64_t old_r = value % modulus, r = modulus, old_s = 1, s = 0;
  while (r != 0) {
    const int64_t quotient = old_r / r;
    const int64_t next_r = old_r - quotient * r;
    old_r = r;
    r = next_r;
    const int64_t next_s = old_s - quotient * s;
    old_s = s;
    s = next_s;
  }
  const int64_t inverse = old_s % modulus;
  return inverse < 0 ? inverse + modulus : inverse;
}

constexpr CONVT1D_HOST_DEVICE int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// The taps and output positions of one phase.
struct Phase {
  int64_t first_tap;     // k0
  int64_t tap_count;     // taps of this phase below kernel_size; 0 for bias-only phases
  int64_t first_offset;  // input t = m - first_offset - i * offset_step for tap number i
  int64_t first_m;       // smallest m whose output position j = m * stride + r - padding is >= 0
  int64_t m_count;       // output positions of this phase inside [0, out_length)
};

// Everything about the phases that depends only on the problem: computed once on the host.
struct PhaseGeometry {
  int64_t stride = 1, dilation = 1, padding = 0, kernel_size = 1, out_length = 1;
  int64_t common = 1;       // gcd(stride, dilation)
  int64_t tap_step = 1;     // stride / common: distance between consecutive taps of a phase
  int64_t offset_step = 1;  // dilation / common: input offset between consecutive taps
  int64_t inverse = 0;      // (dilation / common)^-1 mod (stride / common)

  static constexpr PhaseGeometry from(const Problem& p) {
    PhaseGeometry geometry;
    geometry.stride = p.stride;
    geometry.dilation = p.dilation;
    geometry.padding = p.padding;
    geometry.kernel_size = p.kernel_size;
    geometry.out_length = output_length(p);
    geometry.common = gcd(p.stride, p.dilation);
    geometry.tap_step = p.stride / geometry.common;
    geometry.offset_step = p.dilation / geometry.common;
    geometry.inverse = modular_inverse(geometry.offset_step, geometry.tap_step);
    return geometry;
  }

  // The most output positions any phase has.
  constexpr CONVT1D_HOST_DEVICE int64_t max_m_count() const {
    return (out_length + stride - 1) / stride;
  }

  constexpr CONVT1D_HOST_DEVICE Phase phase(int64_t r) const {
    Phase result{0, 0, 0, 0, 0};
    result.first_m = -floor_div(r - padding, stride);  // ceil((padding - r) / stride)
    const int64_t last_m = floor_div(out_length - 1 + padding - r, stride);
    result.m_count = last_m >= result.first_m ? last_m - result.first_m + 1 : 0;
    if (r % common != 0) return result;
    result.first_tap = ((r / common) * inverse) % tap_step;
    if (result.first_tap >= kernel_size) return result;
    result.tap_count = (kernel_size - 1 - result.first_tap) / tap_step + 1;
    result.first_offset = (result.first_tap * dilation - r) / stride;
    return result;
  }
};

}  // namespace convt1d::detail
