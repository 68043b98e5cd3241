// The input-rows copy: transposes x into the input rows of detail::RowShape (one row of input
// channels per position), in the caller's workspace, before a launch of the tensor-core rows
// kernel (gemm_rows_kernel.cuh). It runs in the blocks of row_operands_kernel.cuh that are not
// copying w.
//
// Mapping. A block transposes tiles of 64 channels x kTiles * 64 positions of one (batch, group)
// through shared memory (block/transpose.cuh): it reads rows of x (consecutive positions:
// coalesced) and writes rows of the result (consecutive channels: coalesced), in 16-byte chunks
// where x's rows start on 16-byte boundaries and the tile lies inside them, element by element,
// 64 positions at a time, at the end of such rows; rows that are not whole chunks go element by
// element in tiles of 64 positions. Padding channels are written as zeros.
#pragma once

#include <cstdint>

#include "../block/transpose.cuh"
#include "../detail/element.cuh"
#include "../detail/weight_layout.hpp"
#include "weight_rows_copy.cuh"

namespace convt1d::kernel {

template <class T>
struct InputRowsParams {
  const T* x = nullptr;
  T* rows = nullptr;
  int64_t in_channels = 0, in_per_group = 0;
  // Tiles over shape.channels (64 each) and in_length (the kernel's kTiles * 64 each where the
  // rows are chunked, 64 elsewhere).
  int64_t channel_tiles = 0, position_tiles = 0;
  bool chunked_rows = false;  // x's rows are whole 16-byte chunks from a 16-byte-aligned start
  detail::RowShape shape;
};

// 64 x 64 tiles a block transposes at once along x's rows where they lie whole in 16-byte
// chunks (block::transpose_chunks_async()), on inputs large enough to fill the GPU with such
// blocks: 32 KB of shared memory, 8 chunk copies in flight per thread for 16-bit and float rows,
// where one tile at a time through registers kept 2 and moved large inputs at about 2.1 TB/s on
// an H200 (docs/tuning.md, T8). Smaller inputs take one tile a block, and more blocks
// (detail::prepare_rows()).
template <class T>
inline constexpr int kInputRowsTiles =
    32 * 1024 / static_cast<int>(sizeof(block::TransposeChunkStorage<T>)) > 1
        ? 32 * 1024 / static_cast<int>(sizeof(block::TransposeChunkStorage<T>))
        : 1;

// The input copy's shared memory.
template <class T, int kTiles>
using InputRowsStorage = block::TransposeSharedStorage<T, kTiles>;

// The input copy, kTiles tiles a block where x's rows are chunked, in a block that takes every
// `tile_step`-th tile from `first_tile`.
template <class T, bool kRoundToTf32, int kTiles>
__device__ __forceinline__ void copy_input_rows(const InputRowsParams<T>& params,
                                                InputRowsStorage<T, kTiles>& storage,
                                                int first_tile, int tile_step) {
  constexpr int kTile = block::kTransposeTile;
  constexpr int kSpan = kTiles * kTile;  // positions of a block's tile
  const detail::RowShape& shape = params.shape;
  const T zero = detail::from_accumulator<T>(detail::accumulator_t<T>(0));
  const int64_t tiles = shape.batch * shape.groups * params.channel_tiles * params.position_tiles;
  // Rows that are not whole chunks are copied 64 positions a block, as many blocks as that
  // takes: a block's element-wise tiles run one after the other.
  const int64_t span = params.chunked_rows ? kSpan : kTile;
  for (int64_t tile = first_tile; tile < tiles; tile += tile_step) {
    int64_t rest = tile;
    const int64_t t0 = rest % params.position_tiles * span;
    rest /= params.position_tiles;
    const int64_t c0 = rest % params.channel_tiles * kTile;
    const int64_t row_set = rest / params.channel_tiles;  // n * groups + group
    const int64_t n = row_set / shape.groups, group = row_set % shape.groups;
    const T* source =
        params.x + (n * params.in_channels + group * params.in_per_group + c0) * shape.in_length +
        t0;
    T* destination = params.rows + (row_set * shape.in_length + t0) * shape.channels + c0;
    if (params.chunked_rows && t0 + kSpan <= shape.in_length) {
      constexpr int kElements = block::TransposeChunks<T>::kElements;
      block::transpose_chunks_async(
          storage.chunks,
          [&](int c, int k) {
            return c0 + c < params.in_per_group ? source + c * shape.in_length + k * kElements
                                                : params.x;
          },
          [&](int c) { return c0 + c < params.in_per_group; },
          [&](int t, int k, uint4 chunk) {
            if (c0 + k * kElements >= shape.channels) return;
            *reinterpret_cast<uint4*>(destination + t * shape.channels + k * kElements) =
                row_operand_chunk<T, kRoundToTf32>(chunk);
          });
    } else {
      // The end of a row of chunks, or a tile of a row that is not: 64 positions at a time,
      // element by element.
#pragma unroll 1
      for (int part = 0; part * kTile < span && t0 + part * kTile < shape.in_length; ++part) {
        const int64_t first = part * kTile;  // from t0
        if (part > 0) __syncthreads();       // the previous part is read out
        block::transpose_tile(
            storage.elements,
            [&](int c, int t) {
              return c0 + c < params.in_per_group && t0 + first + t < shape.in_length
                         ? source[c * shape.in_length + first + t]
                         : zero;
            },
            [&](int t, int c, T value) {
              if (t0 + first + t < shape.in_length && c0 + c < shape.channels) {
                destination[(first + t) * shape.channels + c] =
                    row_operand<T, kRoundToTf32>(value);
              }
            });
      }
    }
    __syncthreads();  // the next tile refills the shared tile
  }
}

}  // namespace convt1d::kernel
