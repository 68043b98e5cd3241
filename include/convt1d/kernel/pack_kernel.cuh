// The weight-packing kernel: copies PyTorch's w into the packed layout of
// detail/weight_layout.hpp, in the caller's workspace, before a phase-GEMM launch.
//
// Mapping. A block takes the weights of one input channel and kPackThreads output channels,
// w[ci, co0 .. co0 + kPackThreads, 0 .. K); each thread one output channel, whose K taps are one
// contiguous stretch of memory, read kVector elements a load (16 bytes where K's stretches start
// on 16-byte boundaries, one element otherwise): the block's loads bring each sector once, in
// 1 / kVector of the L1 requests of one-element loads (which kept L1 82% busy on DAC's largest
// layer, docs/tuning.md, T20). The thread then writes its taps in order k, each to its phase's
// packed row (first tap k0 = k mod tap_step, tap number i = k / tap_step), following k0 and i
// and the destination by additions: per tap, the block writes kPackThreads consecutive elements
// of a packed row, coalesced stores. Rows and padding that no phase reads are written as zeros,
// so the workspace holds no stale values.
#pragma once

#include <cstdint>
#include <cstring>

#include "../detail/element.cuh"
#include "../detail/phase.hpp"
#include "../detail/weight_layout.hpp"

namespace convt1d::kernel {

template <class T>
struct PackParams {
  const T* w = nullptr;
  T* packed = nullptr;
  int64_t in_channels = 0, in_per_group = 0, out_per_group = 0, kernel_size = 0;
  int64_t channel_blocks = 0;  // blocks over one packed row: ceil(padded_out / kPackThreads)
  detail::PhaseGeometry geometry;
  detail::PackedShape shape;
  detail::WeightLayout layout;  // shape.layout()
};

inline constexpr int kPackThreads = 128;

// The elements of one 16-byte load.
template <class T>
inline constexpr int kPackVector = static_cast<int>(16 / sizeof(T));

template <class T, int kVector>
__global__ void __launch_bounds__(kPackThreads)
    pack_weights_kernel(const __grid_constant__ PackParams<T> params) {
  static_assert(kVector == 1 || kVector == kPackVector<T>, "one element or 16 bytes a load");
  const detail::PackedShape& shape = params.shape;
  const detail::WeightLayout& layout = params.layout;
  const T zero = detail::from_accumulator<T>(detail::accumulator_t<T>(0));
  const int64_t kernel_size = params.kernel_size;
  const int64_t tap_step = params.geometry.tap_step;
  // Taps written: every k of a phase with taps, k0 < first_taps and i < taps; with fewer taps
  // than tap_step (one tap a phase) they are k < K.
  const int64_t end_tap = kernel_size < tap_step ? kernel_size : shape.taps * tap_step;
  const int64_t blocks = params.in_channels * params.channel_blocks;
  for (int64_t block = blockIdx.x; block < blocks; block += gridDim.x) {
    const int64_t row = block / params.channel_blocks;  // input channel
    const int64_t co = block % params.channel_blocks * kPackThreads + threadIdx.x;
    if (co >= shape.padded_out) continue;
    const int64_t group = row / params.in_per_group, ci = row % params.in_per_group;
    const bool channel = co < params.out_per_group;
    const T* source = params.w + (row * params.out_per_group + (channel ? co : 0)) * kernel_size;
    // Tap k's destination: k0 = k mod tap_step (its phase's first tap), i = k / tap_step.
    T* destination = params.packed + layout.base(group, 0) + ci * layout.in_channel + co;
    const int64_t next_row = layout.tap - tap_step * layout.first_tap;  // k0 back to 0, i + 1
    int64_t first_tap = 0;
    for (int64_t k = 0; k < end_tap; k += kVector) {
      T values[kVector];
      bool loaded = false;
      if constexpr (kVector > 1) {
        if (channel && k + kVector <= kernel_size) {
          // 16-byte aligned: w is, and so is every stretch of K taps (detail::pack_weights()).
          const uint4 chunk = __ldg(reinterpret_cast<const uint4*>(source + k));
          static_assert(sizeof(chunk) == sizeof(values), "one load fills the values");
          memcpy(values, &chunk, sizeof(values));
          loaded = true;
        }
      }
      if (!loaded) {
#pragma unroll
        for (int e = 0; e < kVector; ++e) {
          values[e] = channel && k + e < kernel_size ? __ldg(source + k + e) : zero;
        }
      }
#pragma unroll
      for (int e = 0; e < kVector; ++e) {
        if (k + e < end_tap) *destination = values[e];
        destination += layout.first_tap;
        if (++first_tap == tap_step) {
          first_tap = 0;
          destination += next_row;
        }
      }
    }
  }
}

}  // namespace convt1d::kernel
