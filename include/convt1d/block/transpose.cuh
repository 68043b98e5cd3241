// A block's 64 x 64 transpose through shared memory, for the kernels that rearrange operands
// into rows along the reduction (kernel/weight_rows_kernel.cuh, kernel/input_rows_kernel.cuh).
//
// The block reads a tile of source rows r and columns c, value(r, c), in coalesced runs along c,
// kTransposeLoads of them per thread in flight before any is stored, and writes each column c as
// a coalesced run along r through store(c, r, value). Rows of the shared tile are padded to an
// odd number of 32-bit words, so the reads down a column hit 32 different banks.
#pragma once

#include <cuda/std/type_traits>

namespace convt1d::block {

inline constexpr int kTransposeTile = 64;
inline constexpr int kTransposeThreads = 256;
inline constexpr int kTransposeLoads = kTransposeTile * kTransposeTile / kTransposeThreads;

template <class T>
struct TransposeStorage {
  // 66 16-bit elements or 65 wider ones per row: 33 or 65 words for 16- and 32-bit elements,
  // odd either way (the rows operands are never 64-bit; double only compiles).
  static constexpr int kPitch = kTransposeTile + (sizeof(T) == 2 ? 2 : 1);
  T tile[kTransposeTile][kPitch];
};

// value(r, c) gives the source element (zero where none); store(c, r, v) writes it out (and
// skips positions outside the destination). The caller synchronizes before the storage is
// reused.
template <class T, class Value, class Store>
__device__ __forceinline__ void transpose_tile(TransposeStorage<T>& storage, Value&& value,
                                               Store&& store) {
  const int thread = static_cast<int>(threadIdx.x);
  T staged[kTransposeLoads];
  constexpr int kRowStep = kTransposeThreads / kTransposeTile;
#pragma unroll
  for (int q = 0; q < kTransposeLoads; ++q) {
    staged[q] = value(thread / kTransposeTile + q * kRowStep, thread % kTransposeTile);
  }
#pragma unroll
  for (int q = 0; q < kTransposeLoads; ++q) {
    storage.tile[thread / kTransposeTile + q * kRowStep][thread % kTransposeTile] = staged[q];
  }
  __syncthreads();
#pragma unroll
  for (int q = 0; q < kTransposeLoads; ++q) {
    const int c = thread / kTransposeTile + q * kRowStep, r = thread % kTransposeTile;
    store(c, r, storage.tile[r][c]);
  }
}

}  // namespace convt1d::block
