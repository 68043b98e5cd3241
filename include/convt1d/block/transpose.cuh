// A block's 64 x 64 transpose through shared memory, for the kernels that rearrange operands
// into rows along the reduction (kernel/weight_rows_copy.cuh, kernel/input_rows_copy.cuh),
// in two forms:
//  - transpose_tile(): element by element, for any tile (edges, unaligned rows). The block reads
//    source rows r and columns c, value(r, c), in coalesced runs along c, kTransposeLoads of them
//    per thread in flight before any is stored, and writes each column c as a coalesced run along
//    r through store(c, r, value). Rows of the shared tile are padded to an odd number of 32-bit
//    words, so the reads down a column hit 32 different banks.
//  - transpose_chunks(): the same in 16-byte chunks, for tiles whose source rows lie whole and
//    16-byte aligned in memory: a fifth of the instructions per element, which is what bounds the
//    element-wise form (measured on an H200: 78% of the SM's issue slots at 2 TB/s);
//  - transpose_chunks_async(): the chunk form over several tiles side by side, the source chunks
//    copied by cp.async, so that more of them are in flight per thread than registers allow.
#pragma once

#include <cstdint>

#include "../thread/async_copy.cuh"

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

// 16-byte chunks of T: kElements elements each, kChunks of them per 64-element row.
template <class T>
struct TransposeChunks {
  static_assert(sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8,
                "16-, 32- or 64-bit elements");
  static constexpr int kElements = 16 / static_cast<int>(sizeof(T));
  static constexpr int kChunks = kTransposeTile / kElements;
  static constexpr int kPerThread = kTransposeTile * kChunks / kTransposeThreads;
};

template <class T, int Tiles = 1>
struct TransposeChunkStorage {
  // kTiles 64 x 64 tiles side by side along the source rows. Row r of a tile holds source row r;
  // its chunk k sits at slot k ^ (r / kElements % kChunks), so that both the chunk writes along a
  // row and the element reads down a column are free of bank conflicts (two-way for 32-bit
  // elements, more for 64-bit ones, which the rows operands never are: double only compiles).
  static constexpr int kTiles = Tiles;
  uint4 tile[kTiles][kTransposeTile][TransposeChunks<T>::kChunks];

  __device__ __forceinline__ static int slot(int row, int chunk) {
    using Chunks = TransposeChunks<T>;
    return chunk ^ (row / Chunks::kElements % Chunks::kChunks);
  }
};

// The second half of the chunk transposes below, once the source rows are in `storage`: each
// column c (c < kTiles * 64) written through store(c, k, chunk), chunk k holding rows
// kElements * k and on packed in 16 bytes. Lanes with consecutive k write one column's chunks
// side by side: coalesced stores.
template <class T, int kTiles, class Store>
__device__ __forceinline__ void store_chunk_columns(const TransposeChunkStorage<T, kTiles>& storage,
                                                    Store&& store) {
  using Chunks = TransposeChunks<T>;
  constexpr int kElements = Chunks::kElements, kChunks = Chunks::kChunks;
  const int thread = static_cast<int>(threadIdx.x);
  // Two chunks at a time: all at once, their shared-memory reads would hold the registers.
#pragma unroll 2
  for (int q = 0; q < kTiles * Chunks::kPerThread; ++q) {
    const int index = thread + q * kTransposeThreads;
    const int column = index / kChunks, k = index % kChunks;
    const int tile = column / kTransposeTile, c = column % kTransposeTile;
    uint4 chunk;
    T* elements = reinterpret_cast<T*>(&chunk);
#pragma unroll
    for (int e = 0; e < kElements; ++e) {
      const int r = k * kElements + e;
      const uint4& source = storage.tile[tile][r][storage.slot(r, c / kElements)];
      elements[e] = reinterpret_cast<const T*>(&source)[c % kElements];
    }
    store(column, k, chunk);
  }
}

// load(r, k) gives chunk k (columns kElements * k and on) of source row r, as 16 bytes (zeros
// where there is no row); store(c, k, chunk) writes the elements of rows kElements * k and on of
// column c, packed in 16 bytes (and skips what lies outside the destination). The caller
// synchronizes before the storage is reused.
template <class T, class Load, class Store>
__device__ __forceinline__ void transpose_chunks(TransposeChunkStorage<T>& storage, Load&& load,
                                                 Store&& store) {
  using Chunks = TransposeChunks<T>;
  constexpr int kChunks = Chunks::kChunks;
  const int thread = static_cast<int>(threadIdx.x);
  uint4 staged[Chunks::kPerThread];
#pragma unroll
  for (int q = 0; q < Chunks::kPerThread; ++q) {
    const int index = thread + q * kTransposeThreads;
    staged[q] = load(index / kChunks, index % kChunks);
  }
#pragma unroll
  for (int q = 0; q < Chunks::kPerThread; ++q) {
    const int index = thread + q * kTransposeThreads;
    const int r = index / kChunks, k = index % kChunks;
    storage.tile[0][r][storage.slot(r, k)] = staged[q];
  }
  __syncthreads();
  store_chunk_columns(storage, store);
}

// transpose_chunks() over kTiles tiles side by side along the source rows (kTiles * kChunks
// chunks a row), the source chunks copied to shared memory asynchronously (cp.async), so that
// all of a thread's kTiles * kPerThread copies are in flight at once without holding registers:
// source(r, k) is the address of chunk k of row r, valid(r) whether row r exists (zeros where
// not; source(r, k) must still be a global address then). The caller synchronizes before the
// storage is reused.
template <class T, int kTiles, class Source, class Valid, class Store>
__device__ __forceinline__ void transpose_chunks_async(TransposeChunkStorage<T, kTiles>& storage,
                                                       Source&& source, Valid&& valid,
                                                       Store&& store) {
  using Chunks = TransposeChunks<T>;
  constexpr int kChunks = Chunks::kChunks;
  constexpr int kRowChunks = kTiles * kChunks;
  const int thread = static_cast<int>(threadIdx.x);
#pragma unroll
  for (int q = 0; q < kTiles * Chunks::kPerThread; ++q) {
    const int index = thread + q * kTransposeThreads;
    const int r = index / kRowChunks, k = index % kRowChunks;
    thread::copy_async<16>(&storage.tile[k / kChunks][r][storage.slot(r, k % kChunks)],
                           source(r, k), valid(r));
  }
  thread::commit();
  thread::wait_prior<0>();
  __syncthreads();
  store_chunk_columns(storage, store);
}

// The shared memory of either transpose, for the kernels that choose one per tile.
template <class T, int kTiles = 1>
union TransposeSharedStorage {
  TransposeStorage<T> elements;
  TransposeChunkStorage<T, kTiles> chunks;
};

}  // namespace convt1d::block
