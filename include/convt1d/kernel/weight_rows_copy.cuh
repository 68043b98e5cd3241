// The weight-rows copy: copies PyTorch's w into the weight rows of detail::RowShape (one row of
// input channels per output channel, tap number and phase), in the caller's workspace, before a
// launch of the tensor-core rows kernel (gemm_rows_kernel.cuh). It runs in the blocks of
// row_operands_kernel.cuh that are not copying x.
//
// Mapping. Within a group, w is a matrix of input channels ci by columns (co, k), each row
// contiguous; the weight rows are its transpose, column (co, k) going to the row of output
// channel co, phase first tap k % tap_step and tap number k / tap_step. A block transposes
// 64 x 64 tiles of it (block/transpose.cuh): coalesced reads along (co, k), coalesced writes
// along ci, in 16-byte chunks where w's rows start on 16-byte boundaries and the tile covers 64
// columns, element by element elsewhere. Padding channels are written as zeros; so are the rows
// of tap numbers past the kernel (which the rows kernel never reads), so that the workspace
// holds no stale values.
#pragma once

#include <cstdint>

#include "../block/transpose.cuh"
#include "../detail/element.cuh"
#include "../detail/fast_divmod.hpp"
#include "../detail/phase.hpp"
#include "../detail/weight_layout.hpp"
#include "../warp/mma.cuh"

namespace convt1d::kernel {

template <class T>
struct WeightRowsParams {
  const T* w = nullptr;
  T* rows = nullptr;
  int64_t in_per_group = 0, kernel_size = 0;
  int32_t tap_step = 1;
  int64_t channel_tiles = 0, column_tiles = 0;  // tiles over shape.channels and out_per_group * K
  bool chunked_rows = false;  // w's rows are whole 16-byte chunks from a 16-byte-aligned start
  detail::FastDivmod by_kernel_size;
  detail::RowShape shape;
};

inline constexpr int kRowsCopyThreads = block::kTransposeThreads;

// `value` as the tensor-core kernel reads it: rounded to TF32 where it multiplies in TF32.
template <class T, bool kRoundToTf32>
__device__ __forceinline__ T row_operand(T value) {
  if constexpr (kRoundToTf32) {
    return __uint_as_float(warp::round_to_tf32(value));
  } else {
    return value;
  }
}

// The same for a 16-byte chunk of elements.
template <class T, bool kRoundToTf32>
__device__ __forceinline__ uint4 row_operand_chunk(uint4 chunk) {
  if constexpr (kRoundToTf32) {
    return {warp::round_to_tf32(__uint_as_float(chunk.x)),
            warp::round_to_tf32(__uint_as_float(chunk.y)),
            warp::round_to_tf32(__uint_as_float(chunk.z)),
            warp::round_to_tf32(__uint_as_float(chunk.w))};
  } else {
    return chunk;
  }
}

// The weight copy's shared memory: a tile, and the weight row of each of its columns (-1 past
// the matrix), worked out once per tile rather than once per element: its divisions cost more
// than the copy itself.
template <class T>
struct WeightRowsStorage {
  block::TransposeSharedStorage<T> tile;
  int64_t column_rows[block::kTransposeTile];
};

// The weight copy in a block that takes every `tile_step`-th tile from `first_tile` (and likewise
// of the rows past the kernel).
template <class T, bool kRoundToTf32>
__device__ __forceinline__ void copy_weight_rows(const WeightRowsParams<T>& params,
                                                 WeightRowsStorage<T>& storage,
                                                 int first_tile, int tile_step) {
  constexpr int kTile = block::kTransposeTile;
  int64_t* const column_rows = storage.column_rows;
  const detail::RowShape& shape = params.shape;
  const detail::WeightLayout layout = shape.weight_layout();
  const T zero = detail::from_accumulator<T>(detail::accumulator_t<T>(0));
  const int64_t columns = shape.out_per_group * params.kernel_size;
  const int64_t tiles = shape.groups * params.channel_tiles * params.column_tiles;
  for (int64_t tile = first_tile; tile < tiles; tile += tile_step) {
    const int64_t column_begin = tile % params.column_tiles * kTile;
    const int64_t rest = tile / params.column_tiles;
    const int64_t channel_begin = rest % params.channel_tiles * kTile;
    const int64_t group = rest / params.channel_tiles;
    const T* source = params.w + (group * params.in_per_group + channel_begin) * columns;
    if (threadIdx.x < kTile) {
      const int64_t column = column_begin + threadIdx.x;
      int64_t row = -1;
      if (column < columns) {
        // columns < 2^31 (row_operands_bytes()): 32-bit divisions.
        const int32_t co = params.by_kernel_size.quotient(static_cast<int32_t>(column));
        const int32_t k = static_cast<int32_t>(column) - co * params.by_kernel_size.divisor;
        const int32_t i = k / params.tap_step;
        row = layout.base(group, k - i * params.tap_step) + i * layout.tap +
              co * layout.out_channel + channel_begin;
      }
      column_rows[threadIdx.x] = row;
    }
    // The transposes' barrier, between their loads and their stores, publishes column_rows.
    if (params.chunked_rows && column_begin + kTile <= columns) {
      constexpr int kElements = block::TransposeChunks<T>::kElements;
      block::transpose_chunks(
          storage.tile.chunks,
          [&](int r, int k) {
            return channel_begin + r < params.in_per_group
                       ? *reinterpret_cast<const uint4*>(source + r * columns + column_begin +
                                                         k * kElements)
                       : uint4{};
          },
          [&](int c, int k, uint4 chunk) {
            const int64_t row = column_rows[c];
            if (channel_begin + k * kElements >= shape.channels) return;
            *reinterpret_cast<uint4*>(params.rows + row + k * kElements) =
                row_operand_chunk<T, kRoundToTf32>(chunk);
          });
    } else {
      block::transpose_tile(
          storage.tile.elements,
          [&](int r, int c) {
            return channel_begin + r < params.in_per_group && column_begin + c < columns
                       ? source[r * columns + column_begin + c]
                       : zero;
          },
          [&](int c, int r, T value) {
            const int64_t row = column_rows[c];
            if (row < 0 || channel_begin + r >= shape.channels) return;
            params.rows[row + r] = row_operand<T, kRoundToTf32>(value);
          });
    }
    __syncthreads();  // the next tile refills the shared tile and column_rows
  }
  // Rows of tap numbers past the kernel: first tap k0, tap number i with k0 + i * tap_step >= K.
  // There are some only where K = q * tap_step + rem with q, rem > 0: the phases whose first tap
  // is rem or more have q taps, one fewer than shape.taps, and their rows of tap number q are
  // past it. Working that out per row, every row of every phase, cost each launch about 10 us of
  // 64-bit divisions with nothing to write on the vocoder layers (H200, docs/tuning.md, T11).
  const int64_t rem =
      params.kernel_size > params.tap_step ? params.kernel_size % params.tap_step : 0;
  if (rem == 0) return;
  const int64_t short_phases = params.tap_step - rem;
  const int64_t rows = shape.groups * short_phases * shape.out_per_group;
  for (int64_t row = first_tile; row < rows; row += tile_step) {
    const int64_t co = row % shape.out_per_group, rest = row / shape.out_per_group;
    const int64_t first_tap = rem + rest % short_phases, group = rest / short_phases;
    T* destination = params.rows + layout.base(group, first_tap) + (shape.taps - 1) * layout.tap +
                     co * layout.out_channel;
    for (int64_t ci = threadIdx.x; ci < shape.channels; ci += kRowsCopyThreads) {
      destination[ci] = zero;
    }
  }
}

}  // namespace convt1d::kernel
