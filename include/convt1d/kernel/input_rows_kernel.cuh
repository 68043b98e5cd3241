// The input-rows kernel: transposes x into the input rows of detail::RowShape (one row of input
// channels per position), in the caller's workspace, before a launch of the tensor-core rows
// kernel (gemm_rows_kernel.cuh).
//
// Mapping. A block transposes a tile of kInputRowsChannels channels x kInputRowsPositions
// positions of one (batch, group) through shared memory: it reads rows of x (consecutive
// positions: coalesced) and writes rows of the result (consecutive channels: coalesced).
// Padding channels are written as zeros.
#pragma once

#include <cstdint>

#include "../detail/element.cuh"
#include "../detail/weight_layout.hpp"
#include "weight_rows_kernel.cuh"

namespace convt1d::kernel {

template <class T>
struct InputRowsParams {
  const T* x = nullptr;
  T* rows = nullptr;
  int64_t in_channels = 0, in_per_group = 0;
  int64_t channel_tiles = 0, position_tiles = 0;  // tiles over shape.channels and in_length
  detail::RowShape shape;
};

inline constexpr int kInputRowsThreads = 256;
inline constexpr int kInputRowsChannels = 64;
inline constexpr int kInputRowsPositions = 32;

template <class T>
struct InputRowsSharedStorage {
  T tile[kInputRowsChannels][kInputRowsPositions + 1];  // +1: the column reads hit every bank
};

template <class T, bool kRoundToTf32>
__global__ void __launch_bounds__(kInputRowsThreads)
    input_rows_kernel(const __grid_constant__ InputRowsParams<T> params) {
  constexpr int kElements = kInputRowsChannels * kInputRowsPositions;
  static_assert(kElements % kInputRowsThreads == 0, "every thread moves the same count");
  __shared__ InputRowsSharedStorage<T> shared;
  const detail::RowShape& shape = params.shape;
  const T zero = detail::from_accumulator<T>(detail::accumulator_t<T>(0));
  const int thread = static_cast<int>(threadIdx.x);
  const int64_t tiles = shape.batch * shape.groups * params.channel_tiles * params.position_tiles;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    int64_t rest = tile;
    const int64_t t0 = rest % params.position_tiles * kInputRowsPositions;
    rest /= params.position_tiles;
    const int64_t c0 = rest % params.channel_tiles * kInputRowsChannels;
    const int64_t row_set = rest / params.channel_tiles;  // n * groups + group
    const int64_t n = row_set / shape.groups, group = row_set % shape.groups;
    const T* source =
        params.x + (n * params.in_channels + group * params.in_per_group) * shape.in_length;
#pragma unroll
    for (int e = thread; e < kElements; e += kInputRowsThreads) {
      const int c = e / kInputRowsPositions, t = e % kInputRowsPositions;
      const bool valid = c0 + c < params.in_per_group && t0 + t < shape.in_length;
      shared.tile[c][t] = valid ? source[(c0 + c) * shape.in_length + t0 + t] : zero;
    }
    __syncthreads();
    T* destination = params.rows + row_set * shape.in_length * shape.channels;
#pragma unroll
    for (int e = thread; e < kElements; e += kInputRowsThreads) {
      const int t = e / kInputRowsChannels, c = e % kInputRowsChannels;
      if (t0 + t < shape.in_length && c0 + c < shape.channels) {
        destination[(t0 + t) * shape.channels + c0 + c] =
            row_operand<T, kRoundToTf32>(shared.tile[c][t]);
      }
    }
    __syncthreads();  // the next tile refills the shared tile
  }
}

}  // namespace convt1d::kernel
