// The weight-packing kernel: copies PyTorch's w into the packed layout of
// detail/weight_layout.hpp, in the caller's workspace, before a phase-GEMM launch.
//
// Mapping. A block takes the weights of one input channel and kPackThreads output channels,
// w[ci, co0 .. co0 + kPackThreads, 0 .. K); each thread one output channel, whose K taps are one
// contiguous stretch of memory that its first reads bring into L1. For each phase with taps
// (first tap k0 below min(K, tap_step); its taps are k0, k0 + tap_step, ...) and each tap
// number, the block then writes kPackThreads consecutive elements of a packed row: coalesced
// stores, reads that hit L1. Rows and padding that no phase reads are written as zeros, so the
// workspace holds no stale values.
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
    for (int64_t first_tap = 0; first_tap < shape.first_taps; ++first_tap) {
      T* destination =
          params.packed + layout.base(group, first_tap) + ci * layout.in_channel + co;
      int64_t k = first_tap;
      for (int64_t i = 0; i < shape.taps; ++i, k += geometry.tap_step) {
        destination[i * layout.tap] =
            channel && k < params.kernel_size ? __ldg(source + k) : zero;
      }
    }
  }
}

}  // namespace convt1d::kernel
