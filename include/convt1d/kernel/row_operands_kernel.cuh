// The row-operands kernel: the copies that prepare the tensor-core rows kernel's operands in
// the caller's workspace (detail::RowShape). Its first weight_blocks blocks copy w into the
// weight rows (weight_rows_copy.cuh), the others x into the input rows (input_rows_copy.cuh):
// both in one launch where the input copy takes one tile a block (the smaller inputs, and rows
// that are not whole 16-byte chunks), since as two launches the input copy waited for the
// weight copy's last block and each ran its own short grid. The multi-tile input copy runs in a
// launch of its own (kCopiesWeights false), after one that copies w: compiled with the weight
// copy, it spilled 40-64 bytes at its 80-register bound and lost 7-35% on the largest inputs
// (H200, docs/tuning.md, T11).
#pragma once

#include <cstdint>

#include "input_rows_copy.cuh"
#include "weight_rows_copy.cuh"

namespace convt1d::kernel {

template <class T>
struct RowOperandsParams {
  WeightRowsParams<T> weights;
  InputRowsParams<T> inputs;
  int weight_blocks = 0;  // blocks of the grid that copy w; the rest copy x
};

// Residency the copies ask of the compiler: left to itself it keeps the staged loads and their
// addresses in up to 180 registers a thread, one block per multiprocessor, and the copies ran at
// half the speed. Three blocks (at most 80 registers): at 64 the input copy spills.
inline constexpr int kRowOperandsBlocksPerMultiprocessor = 3;

// kInputTiles: 64 x 64 tiles an input-copy block takes at once along x's rows of whole chunks
// (1 or kInputRowsTiles<T>, detail::prepare_rows()). Without kCopiesWeights, weight_blocks is 0.
template <class T, bool kRoundToTf32, int kInputTiles, bool kCopiesWeights>
__global__ void __launch_bounds__(kRowsCopyThreads, kRowOperandsBlocksPerMultiprocessor)
    row_operands_kernel(const __grid_constant__ RowOperandsParams<T> params) {
  __shared__ union Storage {
    WeightRowsStorage<T> weights;
    InputRowsStorage<T, kInputTiles> inputs;
  } storage;
  // Grids of at most 2^31 - 1 blocks (detail::grid_for()).
  const int block = static_cast<int>(blockIdx.x), blocks = static_cast<int>(gridDim.x);
  if constexpr (kCopiesWeights) {
    if (block < params.weight_blocks) {
      copy_weight_rows<T, kRoundToTf32>(params.weights, storage.weights, block,
                                        params.weight_blocks);
      return;
    }
  }
  copy_input_rows<T, kRoundToTf32, kInputTiles>(params.inputs, storage.inputs,
                                                block - params.weight_blocks,
                                                blocks - params.weight_blocks);
}

}  // namespace convt1d::kernel
