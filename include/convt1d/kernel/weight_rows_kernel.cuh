// The weight-rows kernel: copies PyTorch's w into the weight rows of detail::RowShape (one row of
// input channels per output channel, tap number and phase), in the caller's workspace, before a
// launch of the tensor-core rows kernel (gemm_rows_kernel.cuh).
//
// Mapping. A block takes kWeightRowsThreads consecutive input channels of one output channel of
// one group, a thread one input channel: for each phase with taps and each tap number it writes
// one element, the block a stretch of consecutive elements of one row (coalesced stores). The K
// taps a thread reads, w[ci][co][0 .. K), are one contiguous stretch that its first read brings
// into L1. Padding channels and tap numbers past the kernel are written as zeros, so the
// workspace holds no stale values.
#pragma once

#include <cstdint>

#include "../detail/element.cuh"
#include "../detail/phase.hpp"
#include "../detail/weight_layout.hpp"
#include "../warp/mma.cuh"

namespace convt1d::kernel {

template <class T>
struct WeightRowsParams {
  const T* w = nullptr;
  T* rows = nullptr;
  int64_t in_per_group = 0, kernel_size = 0, tap_step = 1;
  int64_t channel_blocks = 0;  // blocks over one row: ceil(shape.channels / kWeightRowsThreads)
  detail::RowShape shape;
};

inline constexpr int kWeightRowsThreads = 128;

// `value` as the tensor-core kernel reads it: rounded to TF32 where it multiplies in TF32.
template <class T, bool kRoundToTf32>
__device__ __forceinline__ T row_operand(T value) {
  if constexpr (kRoundToTf32) {
    return __uint_as_float(warp::round_to_tf32(value));
  } else {
    return value;
  }
}

template <class T, bool kRoundToTf32>
__global__ void __launch_bounds__(kWeightRowsThreads)
    weight_rows_kernel(const __grid_constant__ WeightRowsParams<T> params) {
  const detail::RowShape& shape = params.shape;
  const detail::WeightLayout layout = shape.weight_layout();
  const T zero = detail::from_accumulator<T>(detail::accumulator_t<T>(0));
  const int64_t blocks = shape.groups * shape.out_per_group * params.channel_blocks;
  for (int64_t block = blockIdx.x; block < blocks; block += gridDim.x) {
    const int64_t ci = block % params.channel_blocks * kWeightRowsThreads + threadIdx.x;
    if (ci >= shape.channels) continue;
    const int64_t rest = block / params.channel_blocks;
    const int64_t co = rest % shape.out_per_group, group = rest / shape.out_per_group;
    const bool channel = ci < params.in_per_group;
    const T* source =
        params.w + ((group * params.in_per_group + (channel ? ci : 0)) * shape.out_per_group + co) *
                       params.kernel_size;
    for (int64_t first_tap = 0; first_tap < shape.first_taps; ++first_tap) {
      T* destination = params.rows + layout.base(group, first_tap) + co * layout.out_channel + ci;
      int64_t k = first_tap;
      for (int64_t i = 0; i < shape.taps; ++i, k += params.tap_step) {
        destination[i * layout.tap] = channel && k < params.kernel_size
                                          ? row_operand<T, kRoundToTf32>(__ldg(source + k))
                                          : zero;
      }
    }
  }
}

}  // namespace convt1d::kernel
