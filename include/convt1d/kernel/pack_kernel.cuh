// The weight-packing kernel: copies PyTorch's w into the packed layout of
// detail/weight_layout.hpp, in the caller's workspace, before a phase-GEMM launch.
//
// Mapping. A block takes the weights of one input channel and kPackThreads output channels,
// w[ci, co0 .. co0 + kPackThreads, 0 .. K); each thread one output channel, whose K taps are one
// contiguous stretch that its first read brings into L1. For every phase slot and tap number the
// block then writes kPackThreads consecutive elements of a packed row: coalesced stores, reads
// that hit L1. Rows and padding that no phase reads are written as zeros, so the workspace holds
// no stale values.
//
// The taps of one phase are k = u, u + tap_step, ... for one u < tap_step (docs/design.md), and
// u's slot is u * (dilation / g) mod tap_step: the loop walks u and steps the slot along with
// it, without a division per element.
#pragma once

#include <cstdint>

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

template <class T>
__global__ void __launch_bounds__(kPackThreads)
    pack_weights_kernel(const __grid_constant__ PackParams<T> params) {
  const detail::PackedShape& shape = params.shape;
  const detail::WeightLayout& layout = params.layout;
  const T zero = detail::from_accumulator<T>(detail::accumulator_t<T>(0));
  const int64_t blocks = params.in_channels * params.channel_blocks;
  for (int64_t block = blockIdx.x; block < blocks; block += gridDim.x) {
    const int64_t row = block / params.channel_blocks;  // input channel
    const int64_t co = block % params.channel_blocks * kPackThreads + threadIdx.x;
    if (co >= shape.padded_out) continue;
    const int64_t group = row / params.in_per_group, ci = row % params.in_per_group;
    const bool channel = co < params.out_per_group;
    const T* source = params.w + (row * params.out_per_group + (channel ? co : 0)) *
                                     params.kernel_size;
    const detail::PhaseGeometry& geometry = params.geometry;
    const int64_t slot_step = geometry.offset_step % geometry.tap_step;
    int64_t slot = 0;  // the slot of taps u, u + tap_step, ...
    for (int64_t u = 0; u < geometry.tap_step; ++u) {
      T* destination = params.packed + layout.base(group, slot, 0) + ci * layout.in_channel + co;
      int64_t k = u;
      for (int64_t i = 0; i < shape.taps; ++i, k += geometry.tap_step) {
        destination[i * layout.tap] =
            channel && k < params.kernel_size ? __ldg(source + k) : zero;
      }
      slot += slot_step;
      if (slot >= geometry.tap_step) slot -= geometry.tap_step;
    }
  }
}

}  // namespace convt1d::kernel
