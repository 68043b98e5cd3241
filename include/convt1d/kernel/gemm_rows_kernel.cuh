// The tensor-core rows kernel: the phase GEMM of gemm_kernel.cuh (same tiles, same tile order,
// same epilogue) on operands whose input channels are contiguous, prepared in the caller's
// workspace by row_operands_kernel.cuh (layout: detail::RowShape).
//
// Why a second main loop. In PyTorch's layouts the reduction runs across rows of x and w: a
// 16-bit operand word (two input channels) can only be built in registers, and the loads of the
// next stage must sit in registers while the block multiplies this one, which leaves one stage
// of latency hiding. Here every stage is whole 16-byte chunks of rows: cp.async copies them
// straight to shared memory, kStages - 1 stages ahead; the Math policy multiplies them with
// mma.sync on fragments read by ldmatrix (MmaRowMath), or on Hopper with wgmma reading the
// stages itself (WgmmaRowMath, whose stages start on 1024-byte boundaries). Built for sm_90 or
// later, the warpgroup tiles within one batch entry fill their stages by tensor copies instead
// (thread/tensor_copy.cuh): thread 0 asks for a stage's weight box and input box, which the copy
// engine writes in the tensor cores' 128-byte swizzle, zeros outside the operands, and the block
// waits on a barrier per buffer (tensor_pipeline()): the other threads spend no instructions or
// registers on the copies (tuning T17: dac_up2 TF32 1.19x, its L1 throughput 75% -> 58% and
// tensor pipe 39% -> 52% of peak).
//
// Mapping. A block computes a tile (Tile::kBlockChannels output channels x
// Tile::kBlockPositions columns of one (group, phase), as in gemm_kernel.cuh), and the next
// grid-th one after it where the grid is resident (detail::launch_tiles()); a stage holds, for
// kReduction input channels and one tap of the phase, the weight row of each output channel of
// the tile and the input row of each column's position (block::RowStage). Each thread copies
// chunk thread % kChunks of rows thread / kChunks, thread / kChunks + kThreads / kChunks, ...;
// rows outside the tensors (output channels past the group, positions outside the input or past
// the batch, channels past the padded count) are filled with zeros. In a tile that straddles
// batch entries (kStraddles), each thread works out where its input rows lie once, at the
// tile's start; elsewhere they lie kRowStep positions apart. Loop order: input-channel chunks
// outer, taps of the phase inner. The kInterleaved instantiation runs in clusters of the stride
// phases, which store their tiles together (store_interleaved_tile(), sm_90 and later).
#pragma once

#include <cstdint>

#include <cuda.h>  // CUtensorMap

#include "../block/gemm_math.cuh"
#include "../thread/async_copy.cuh"
#include "../thread/tensor_copy.cuh"
#include "gemm_kernel.cuh"

namespace convt1d::kernel {

template <class T>
struct RowGemmParams : GemmParams<T> {  // GemmParams::w and ::weights: the weight rows
  const T* input_rows = nullptr;        // [batch * groups][in_length][row_channels]
  int64_t row_channels = 0;             // input channels of a group, padded (RowShape::channels)
  // The stage boxes of the tensor copies (gemm_rows_kernel's kTensorCopies;
  // detail::encode_row_maps()): the weight rows as (row_channels, out_per_group, planes of
  // (group, first tap, tap number)), the input rows as (row_channels, in_length, batch x groups),
  // 128 bytes of channels a box row.
  CUtensorMap weight_map = {}, input_map = {};
};

// The main loop of one tile on tensor copies: async_pipeline()'s ring of kStages buffers, with
// thread 0 issuing each stage (issue(buffer, barrier): its boxes, completing `barrier`) and every
// thread waiting on the stage's barrier before the block's barrier. `parities` carries the
// parity of each buffer's next barrier phase from tile to tile. Shared memory that the block
// last wrote or read plainly (the previous tile's epilogue) goes to the copy engine only after
// every thread's proxy fence and a barrier.
template <int kStages, class Issue, class Multiply>
__device__ __forceinline__ void tensor_pipeline(int64_t stages, uint64_t* barriers,
                                                uint32_t& parities, int thread, Issue&& issue,
                                                Multiply&& multiply) {
  warp::fence_async_shared();
  __syncthreads();
  auto issue_stage = [&](int64_t stage, int buffer) {
    if (thread == 0 && stage < stages) issue(buffer, &barriers[buffer]);
  };
#pragma unroll 1
  for (int buffer = 0; buffer < kStages - 1; ++buffer) issue_stage(buffer, buffer);
  int buffer = 0;
  for (int64_t stage = 0; stage < stages; ++stage) {
    thread::barrier_wait(&barriers[buffer], (parities >> buffer) & 1u);
    parities ^= 1u << buffer;
    // Every thread is done with the buffer the next stage refills (multiplied last iteration).
    __syncthreads();
    issue_stage(stage + kStages - 1, buffer == 0 ? kStages - 1 : buffer - 1);
    multiply(buffer);
    buffer = buffer + 1 == kStages ? 0 : buffer + 1;
  }
  __syncthreads();  // the next tile's first copies refill buffers still being read
}

template <class T, class Math, bool kStraddles, bool kInterleaved = false,
          bool kTensorCopies = false>
__global__ void __launch_bounds__(Math::kThreads, Math::kMinBlocksPerMultiprocessor)
    gemm_rows_kernel(const __grid_constant__ RowGemmParams<T> params) {
  static_assert(!kInterleaved || GemmSharedStorage<Math>::kTile,
                "the interleaved epilogue exchanges the tiles in shared memory");
  static_assert(!kTensorCopies || (Math::kAsyncProxyReads && !kStraddles),
                "tensor copies fill the swizzled stages of tiles within one entry");
  static_assert(Math::kStages <= 32, "a bit of `parities` per buffer");
  constexpr int kChannels = Math::kBlockChannels;
  constexpr int kPositions = Math::kBlockPositions;
  constexpr int kThreads = Math::kThreads;
  constexpr int kStages = Math::kStages;
  constexpr int kChunks = Math::kChunks;
  constexpr int kRowStep = kThreads / kChunks;  // rows between a thread's copies
  constexpr int kWeightCopies = kChannels / kRowStep;
  constexpr int kInputCopies = kPositions / kRowStep;
  static_assert(kChannels % kRowStep == 0 && kPositions % kRowStep == 0,
                "every thread copies the same number of chunks");

  extern __shared__ __align__(16) unsigned char shared_memory[];
  auto& shared = gemm_shared_storage<Math, Math::kStageAlignment>(shared_memory);

  const int thread = static_cast<int>(threadIdx.x);
  const int chunk = thread % kChunks, first_row = thread / kChunks;
  const int64_t chunk_offset = chunk * Math::kChunkElements;
  const detail::WeightLayout& layout = params.weights;

  // kInterleaved (launched in clusters of the phases, store_interleaved_tile()): every block of a
  // cluster takes part in every tile's epilogue, its own tile empty where none of its columns is
  // an output. Built for an architecture without clusters, the kernel stores plainly (and the
  // host never launches it in clusters, detail::resident_clusters()).
  constexpr bool kExchanges = kInterleaved && block::kClusters;
  // kTensorCopies (params.weight_map and input_map encoded), where this pass has them (sm_90 and
  // later): thread 0 asks for a stage's two boxes, the copy engine fills them, zeros outside the
  // operands. Elsewhere every thread copies its chunks by cp.async.
  constexpr bool kByTensor = kTensorCopies && thread::kTensorCopies;
  [[maybe_unused]] __shared__ uint64_t stage_barriers[kByTensor ? kStages : 1];
  [[maybe_unused]] uint32_t parities = 0;
  if constexpr (kByTensor) {
    if (thread == 0) thread::barriers_init(stage_barriers, kStages);
    __syncthreads();
  }
  for (int64_t tile = blockIdx.x; tile < params.total_tiles; tile += gridDim.x) {
    GemmTilePlace place;
    const bool placed = place_tile<kChannels, kPositions, kStraddles>(params, tile, place);
    if (!placed && !kExchanges) continue;
    const detail::Phase& phase = place.phase;

    const T* weight_rows = params.w + layout.base(place.group, phase.first_tap) +
                           (place.channel_begin + first_row) * layout.out_channel + chunk_offset;
    // The input rows of batch entry n in the tile's group, at this thread's chunk.
    auto entry_rows = [&](int64_t n) {
      return params.input_rows +
             (n * params.groups + place.group) * params.in_length * params.row_channels +
             chunk_offset;
    };
    const T* input_rows = entry_rows(place.n);
    // The input position of this thread's first row at tap 0.
    const int64_t window_begin = place.m_begin - phase.first_offset + first_row;
    const int64_t stages =
        placed ? (params.row_channels + Math::kReduction - 1) / Math::kReduction * phase.tap_count
               : 0;
    // Straddling: the rows of the entry (nullptr past the batch) and the position at tap 0 of
    // each of this thread's input rows.
    const T* copy_rows[kStraddles ? kInputCopies : 1] = {};
    int64_t copy_positions[kStraddles ? kInputCopies : 1] = {};
    if constexpr (kStraddles) {
#pragma unroll
      for (int i = 0; i < kInputCopies; ++i) {
        const GemmTileColumn column = tile_column<true>(params, place, first_row + i * kRowStep);
        copy_rows[i] = column.n < params.batch ? entry_rows(column.n) : nullptr;
        copy_positions[i] = phase.first_m + column.local_m - phase.first_offset;
      }
    }

    typename Math::Accumulators accumulators;
    Math::clear(accumulators);

    // (ci, tap) names the next stage to copy.
    int64_t ci = 0, tap = 0;
    auto copy_stage = [&](typename Math::Stage& stage) {
      const bool channels_valid = ci + chunk_offset < params.row_channels;
#pragma unroll
      for (int i = 0; i < kWeightCopies; ++i) {
        const int row = first_row + i * kRowStep;
        const bool valid = channels_valid && place.channel_begin + row < params.out_per_group;
        const T* source = weight_rows + i * kRowStep * layout.out_channel + tap * layout.tap + ci;
        thread::copy_async<16>(&stage.weights[row][Math::Stage::slot(row, chunk)],
                               valid ? source : params.w, valid);
      }
      const int64_t t = window_begin - tap * params.geometry.offset_step;
#pragma unroll
      for (int i = 0; i < kInputCopies; ++i) {
        const int row = first_row + i * kRowStep;
        const T* rows = input_rows;
        int64_t position = t + i * kRowStep;
        if constexpr (kStraddles) {
          rows = copy_rows[i];
          position = copy_positions[i] + (t - window_begin);
        }
        const bool valid = channels_valid && (!kStraddles || rows != nullptr) && position >= 0 &&
                           position < params.in_length;
        thread::copy_async<16>(&stage.inputs[row][Math::Stage::slot(row, chunk)],
                               valid ? rows + position * params.row_channels + ci
                                     : params.input_rows,
                               valid);
      }
      if (++tap == phase.tap_count) {
        tap = 0;
        ci += Math::kReduction;
      }
    };
    auto multiply = [&](int buffer) {
      Math::multiply(shared.stages[buffer], accumulators, thread);
    };
    if constexpr (kByTensor) {
      // The boxes' first elements: the tile's first channel in the weight plane of (group,
      // phase, tap number 0), and the window's first position at tap 0 in the entry's rows.
      const auto plane = static_cast<int32_t>(layout.base(place.group, phase.first_tap) /
                                              layout.tap);
      const auto entry = static_cast<int32_t>(place.n * params.groups + place.group);
      const auto window = static_cast<int32_t>(place.m_begin - phase.first_offset);
      const auto first_channel = static_cast<int32_t>(place.channel_begin);
      const auto offset_step = static_cast<int32_t>(params.geometry.offset_step);
      auto issue = [&](int buffer, uint64_t* barrier) {
        typename Math::Stage& stage = shared.stages[buffer];
        const auto channel = static_cast<int32_t>(ci);
        const auto tap_number = static_cast<int32_t>(tap);
        thread::barrier_expect_bytes(barrier, sizeof(stage.weights) + sizeof(stage.inputs));
        thread::tensor_copy_3d(&stage.weights[0][0], &params.weight_map, channel, first_channel,
                               plane + tap_number, barrier);
        thread::tensor_copy_3d(&stage.inputs[0][0], &params.input_map, channel,
                               window - tap_number * offset_step, entry, barrier);
        if (++tap == phase.tap_count) {
          tap = 0;
          ci += Math::kReduction;
        }
      };
      tensor_pipeline<kStages>(stages, stage_barriers, parities, thread, issue, multiply);
    } else {
      async_pipeline<kStages, Math::kAsyncProxyReads>(
          stages, [&](int buffer) { copy_stage(shared.stages[buffer]); }, multiply);
    }

    if constexpr (kExchanges) {
      store_interleaved_tile<kStraddles, Math>(params, place, accumulators, thread, shared);
    } else {
      store_tile<kStraddles, Math>(params, place, accumulators, thread, shared);
    }
  }
}

}  // namespace convt1d::kernel
