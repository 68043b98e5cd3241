// The dispatch rule, on the host (no GPU): for random valid problems, every element type and
// math mode and several multiprocessor counts, select_config() picks a kernel that launch()
// instantiates for that type, mode and operand layout (anything else would fail at run time with
// cudaErrorInvalidValue, on problems the GPU tests may never draw), and the phase-GEMM tiling of
// every tile shape covers each output column of every batch entry.
#include <catch2/catch.hpp>

#include <convt1d/convt1d.cuh>

#include <cstdint>
#include <initializer_list>
#include <random>
#include <type_traits>

namespace {

using convt1d::MathMode;
using convt1d::Problem;
using convt1d::Status;
namespace detail = convt1d::detail;
using detail::KernelChoice;

// A random valid problem: from tiny layers to vocoder-sized ones, with groups, dilation,
// padding and output padding; in_length up to 2^17, so that the tile counts cross every wave.
Problem random_problem(std::mt19937_64& rng) {
  auto pick = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(rng);
  };
  auto power_of_two = [&](int max_exponent) { return int64_t{1} << pick(0, max_exponent); };
  for (;;) {
    Problem p;
    p.groups = pick(0, 3) == 0 ? power_of_two(9) : 1;
    p.in_channels = p.groups * (pick(0, 1) == 0 ? pick(1, 64) : power_of_two(11));
    p.out_channels = p.groups * (pick(0, 1) == 0 ? pick(1, 64) : power_of_two(10));
    p.batch = pick(0, 1) == 0 ? 1 : pick(1, 32);
    p.kernel_size = pick(1, 24);
    p.stride = pick(1, 12);
    p.dilation = pick(0, 3) == 0 ? pick(2, 4) : 1;
    p.padding = pick(0, (p.kernel_size - 1) * p.dilation);
    const int64_t max_output_padding = (p.stride > p.dilation ? p.stride : p.dilation) - 1;
    p.output_padding = pick(0, max_output_padding);
    p.in_length = pick(0, 2) == 0 ? pick(1, 64) : pick(1, int64_t{1} << 17);
    if (convt1d::validate(p) == Status::kSuccess && convt1d::output_length(p) > 0) return p;
  }
}

bool one_of(KernelChoice choice, std::initializer_list<KernelChoice> choices) {
  for (const KernelChoice c : choices) {
    if (c == choice) return true;
  }
  return false;
}

// What launch() instantiates for T under `math`, given whether the call runs the rows kernel.
template <class T>
bool has_kernel(KernelChoice choice, MathMode math, bool rows) {
  constexpr bool kFloat = std::is_same_v<T, float>;
  if (rows) {
    // The rows kernel: 4-warp mma.sync tiles for 3xTF32, warpgroup tiles otherwise.
    if (kFloat && math == MathMode::k3xTF32) {
      return one_of(choice, {KernelChoice::kMmaMedium, KernelChoice::kMmaShort});
    }
    return one_of(choice, {KernelChoice::kWgmmaShort, KernelChoice::kWgmmaMedium,
                           KernelChoice::kWgmmaLarge});
  }
  if (detail::uses_tensor_cores<T>(math)) {
    if (kFloat && math == MathMode::k3xTF32) {  // 4-warp tiles only (with_instruction())
      return one_of(choice,
                    {KernelChoice::kMmaMedium, KernelChoice::kMmaShort, KernelChoice::kMmaNarrow});
    }
    return one_of(choice, {KernelChoice::kMmaLarge, KernelChoice::kMmaMedium,
                           KernelChoice::kMmaShort, KernelChoice::kMmaNarrow,
                           KernelChoice::kMmaWide});
  }
  return one_of(choice, {KernelChoice::kGemmMedium, KernelChoice::kGemmSquare,
                         KernelChoice::kGemmNarrow, KernelChoice::kGemmShort});
}

template <class T>
void check_choices(MathMode math, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const Problem p = random_problem(rng);
    for (const int multiprocessors : {1, 8, 46, 108, 132, 144}) {
      for (const bool given_workspace : {false, true}) {
        // As launch() decides: a workspace counts where the problem asks for one.
        const bool with_workspace =
            given_workspace && detail::workspace_bytes<T>(p, math) > 0;
        const bool rows = with_workspace && detail::uses_rows_kernel<T>(p, math);
        const KernelChoice choice =
            detail::select_config<T>(p, multiprocessors, math, with_workspace);
        INFO("problem " << i << ": N " << p.batch << ", C_in " << p.in_channels << ", C_out "
                        << p.out_channels << ", K " << p.kernel_size << ", L_in "
                        << p.in_length << ", stride " << p.stride << ", padding " << p.padding
                        << ", output_padding " << p.output_padding << ", dilation "
                        << p.dilation << ", groups " << p.groups << "; " << multiprocessors
                        << " multiprocessors, workspace " << with_workspace << ", choice "
                        << static_cast<int>(choice));
        if (detail::uses_direct_kernel(p)) {
          REQUIRE(choice == (detail::uses_window_kernel(p) ? KernelChoice::kWindow
                                                           : KernelChoice::kDirect));
          REQUIRE(detail::workspace_bytes<T>(p, math) == 0);
        } else {
          REQUIRE(has_kernel<T>(choice, math, rows));
        }
      }
    }
  }
}

template <class Tile>
void check_tiling(uint64_t seed) {
  constexpr int64_t kPositions = Tile::kBlockPositions;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const Problem p = random_problem(rng);
    const int64_t out_per_group = p.out_channels / p.groups;
    const detail::PhaseGeometry geometry = detail::PhaseGeometry::from(p);
    const detail::GemmTiling tiling =
        detail::gemm_tiling<Tile>(p.batch, p.groups, out_per_group, geometry);
    const int64_t positions = geometry.max_m_count();
    INFO("problem " << i << ": N " << p.batch << ", positions a phase " << positions
                    << ", C_out a group " << out_per_group << "; tile " << Tile::kBlockChannels
                    << " x " << kPositions);
    // Channel tiles: every output channel of a group, no tile wholly past them.
    REQUIRE(tiling.channel_tiles * Tile::kBlockChannels >= out_per_group);
    REQUIRE((tiling.channel_tiles - 1) * Tile::kBlockChannels < out_per_group);
    // Each entry's columns hold the longest phase's positions.
    REQUIRE(tiling.entry_columns >= positions);
    if (tiling.straddles) {
      // Entries run on one after another: the tiles cover batch x positions columns, no tile
      // wholly past them, and an entry is shorter than a tile (the kernels' 32-bit divisions
      // of a straddling tile's columns rely on it).
      REQUIRE(p.batch > 1);
      REQUIRE(tiling.entry_columns == positions);
      REQUIRE(tiling.entry_columns < kPositions);
      REQUIRE(tiling.column_tiles * kPositions >= p.batch * positions);
      REQUIRE((tiling.column_tiles - 1) * kPositions < p.batch * positions);
      // Only where straddling takes fewer tiles than whole tiles per entry.
      REQUIRE(tiling.column_tiles < p.batch * ((positions + kPositions - 1) / kPositions));
    } else {
      // A whole number of tiles per entry, none wholly past its positions.
      REQUIRE(tiling.entry_columns % kPositions == 0);
      REQUIRE(tiling.entry_columns - kPositions < positions);
      REQUIRE(tiling.column_tiles * kPositions == p.batch * tiling.entry_columns);
    }
    REQUIRE(tiling.total_tiles ==
            p.groups * p.stride * tiling.column_tiles * tiling.channel_tiles);
  }
}

}  // namespace

TEST_CASE("dispatch: every choice of select_config() has a kernel", "[dispatch]") {
  check_choices<float>(MathMode::kExact, 1);
  check_choices<float>(MathMode::kTF32, 2);
  check_choices<float>(MathMode::k3xTF32, 3);
  check_choices<double>(MathMode::kExact, 4);
  check_choices<__half>(MathMode::kExact, 5);
  check_choices<__nv_bfloat16>(MathMode::kExact, 6);
}

TEST_CASE("dispatch: phase-GEMM tiles cover every column of every entry", "[dispatch]") {
  check_tiling<detail::GemmMedium>(11);
  check_tiling<detail::GemmSquare>(12);
  check_tiling<detail::GemmNarrow>(13);
  check_tiling<detail::GemmShort>(14);
  check_tiling<detail::MmaLarge>(15);
  check_tiling<detail::MmaMedium>(16);
  check_tiling<detail::MmaShort>(17);
  check_tiling<detail::MmaNarrow>(18);
  check_tiling<detail::MmaWide>(19);
  check_tiling<detail::WgmmaShort>(20);
  check_tiling<detail::WgmmaMedium>(21);
  check_tiling<detail::WgmmaLarge>(22);
}

TEST_CASE("dispatch: launches interleave their phases only where clusters can hold them",
          "[dispatch]") {
  using detail::Interleave;
  using detail::interleaves_phases;
  std::mt19937_64 rng(31);
  auto pick = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(rng);
  };
  for (int i = 0; i < 20000; ++i) {
    const Problem p = random_problem(rng);
    const auto geometry = detail::PhaseGeometry::from(p);
    const int64_t tiles = p.stride * pick(1, 4000), slots = pick(0, 600);
    const int64_t cluster_slots = pick(0, 1) == 0 ? slots - slots % p.stride : pick(0, slots);
    const bool straddles = pick(0, 1) == 0;
    const int64_t in_per_group = p.in_channels / p.groups;
    INFO(p.stride << " stride, " << tiles << " tiles, " << slots << " slots, " << cluster_slots
                  << " in clusters, " << (straddles ? "straddling" : "within entries"));
    const int64_t bytes = pick(0, 1) == 0 ? 2 : 4;  // 16-bit or float outputs
    INFO(bytes << "-byte outputs");
    const bool possible = interleaves_phases(Interleave::kWherePossible, geometry, in_per_group,
                                             bytes, straddles, tiles, slots, cluster_slots);
    const bool faster = interleaves_phases(Interleave::kWhereFaster, geometry, in_per_group,
                                           bytes, straddles, tiles, slots, cluster_slots);
    REQUIRE_FALSE(interleaves_phases(Interleave::kNever, geometry, in_per_group, bytes,
                                     straddles, tiles, slots, cluster_slots));
    // launch_tiles() asks the GPU only for candidates: none interleaves without being one.
    for (const Interleave where : {Interleave::kWhereFaster, Interleave::kWherePossible}) {
      if (!detail::interleave_candidate(where, geometry, in_per_group, bytes, straddles)) {
        REQUIRE_FALSE(interleaves_phases(where, geometry, in_per_group, bytes, straddles, tiles,
                                         slots, cluster_slots));
      }
    }
    // A cluster is one block per phase, at most the portable cluster size, and must fit.
    REQUIRE(possible == (p.stride >= 2 && p.stride <= convt1d::kernel::kMaxInterleave &&
                         cluster_slots >= p.stride));
    if (faster) {
      REQUIRE(possible);
      REQUIRE(p.stride >= detail::kInterleaveStride);
      REQUIRE(p.stride * bytes >= 16);  // 16-bit outputs at stride 8 only
      REQUIRE_FALSE(straddles);
      // No more rounds of tiles than the plain launch's.
      REQUIRE((tiles + cluster_slots - 1) / cluster_slots <= (tiles + slots - 1) / slots);
    }
  }
  // The HiFi-GAN layer of 256 -> 128 channels at stride 8 (128 x 128 tiles on an H200: 432
  // tiles, 264 plain slots, 240 in clusters of 8): two rounds either way, so it interleaves, in
  // float and 16 bits; not where its tiles straddle entries, nor with three times the tiles
  // (1296, as DAC's 768 -> 384 channels make), which clusters would take in six rounds rather
  // than five, nor with 768 input channels (a reduction of 1536).
  Problem hifigan;
  hifigan.batch = 1;
  hifigan.in_channels = 256;
  hifigan.out_channels = 128;
  hifigan.in_length = 6896;
  hifigan.kernel_size = 16;
  hifigan.stride = 8;
  hifigan.padding = 4;
  const auto hifigan_geometry = detail::PhaseGeometry::from(hifigan);
  constexpr auto kFaster = Interleave::kWhereFaster;
  CHECK(interleaves_phases(kFaster, hifigan_geometry, 256, 4, false, 432, 264, 240));
  CHECK(interleaves_phases(kFaster, hifigan_geometry, 256, 2, false, 432, 264, 240));
  CHECK_FALSE(interleaves_phases(kFaster, hifigan_geometry, 256, 4, true, 432, 264, 240));
  CHECK_FALSE(interleaves_phases(kFaster, hifigan_geometry, 256, 4, false, 1296, 264, 240));
  CHECK_FALSE(interleaves_phases(kFaster, hifigan_geometry, 768, 4, false, 432, 264, 240));
  Problem stride4 = hifigan;
  stride4.stride = 4;
  stride4.kernel_size = 8;
  CHECK_FALSE(interleaves_phases(kFaster, detail::PhaseGeometry::from(stride4), 256, 4, false,
                                 432, 264, 240));
  CHECK(interleaves_phases(Interleave::kWherePossible, detail::PhaseGeometry::from(stride4), 256,
                           4, false, 432, 264, 240));
  // EnCodec's 256 -> 128 channels at stride 5 (K 10, 6000 inputs: 235 tiles, 264 plain slots,
  // 235 in clusters of 5) interleaves in float only: five 16-bit outputs are 10 bytes of a
  // sector.
  Problem encodec = hifigan;
  encodec.stride = 5;
  encodec.kernel_size = 10;
  encodec.padding = 0;
  encodec.in_length = 6000;
  const auto encodec_geometry = detail::PhaseGeometry::from(encodec);
  CHECK(interleaves_phases(kFaster, encodec_geometry, 256, 4, false, 235, 264, 235));
  CHECK_FALSE(interleaves_phases(kFaster, encodec_geometry, 256, 2, false, 235, 264, 235));
  CHECK(interleaves_phases(Interleave::kWherePossible, encodec_geometry, 256, 2, false, 235, 264,
                           235));
}

// The rows kernel's rule (rows_pay()) and the workspace it asks for: from 1024 multiply-adds per
// input element always; from 384 outside 3xTF32 on inputs of 2^24 elements and more or with 128
// input channels a group and more (counted per group, not over all groups); below 384 never.
TEST_CASE("dispatch: which tensor-core layers take the rows kernel", "[dispatch]") {
  auto layer = [](int64_t in_channels, int64_t out_channels, int64_t groups, int64_t in_length) {
    Problem p;
    p.batch = 1;
    p.in_channels = in_channels;
    p.out_channels = out_channels;
    p.groups = groups;
    p.in_length = in_length;
    p.kernel_size = 8;
    p.stride = 4;
    p.padding = 2;
    return p;
  };
  struct Case {
    const char* what;
    Problem problem;
    bool rows;  // outside 3xTF32
    bool rows_3x;
  };
  const Case cases[] = {
      {"EnCodec 128 -> 64 (512 per input element, 128 a group)", layer(128, 64, 1, 30000), true,
       false},
      {"256 -> 192 in 2 groups (768, 128 a group)", layer(256, 192, 2, 1000), true, false},
      {"128 -> 192 in 2 groups (768, 64 a group)", layer(128, 192, 2, 1000), false, false},
      {"127 -> 64 (512, 127 a group)", layer(127, 64, 1, 1000), false, false},
      {"64 -> 64 on 2^24 inputs (512)", layer(64, 64, 1, int64_t{1} << 18), true, false},
      {"128 -> 32 (256)", layer(128, 32, 1, 30000), false, false},
      {"512 -> 128 (1024)", layer(512, 128, 1, 100), true, true},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    REQUIRE(convt1d::validate(c.problem) == Status::kSuccess);
    const Problem& p = c.problem;
    const int64_t operands = (p.batch * p.in_channels * p.in_length +
                              p.in_channels * (p.out_channels / p.groups) * p.kernel_size);
    CHECK(detail::uses_rows_kernel<float>(p, MathMode::kTF32) == c.rows);
    CHECK(detail::uses_rows_kernel<__half>(p, MathMode::kExact) == c.rows);
    CHECK(detail::uses_rows_kernel<__nv_bfloat16>(p, MathMode::kExact) == c.rows);
    CHECK(detail::uses_rows_kernel<float>(p, MathMode::k3xTF32) == c.rows_3x);
    CHECK_FALSE(detail::uses_rows_kernel<float>(p, MathMode::kExact));
    CHECK_FALSE(detail::uses_rows_kernel<double>(p, MathMode::kExact));
    if (c.rows) {
      CHECK(convt1d::workspace_size<float>(p, MathMode::kTF32) >=
            static_cast<size_t>(operands) * sizeof(float));
      CHECK(convt1d::workspace_size<__half>(p) >= static_cast<size_t>(operands) * sizeof(__half));
    } else {
      // The packed weights of this stride-4 layer, smaller than a copy of x and w.
      CHECK(convt1d::workspace_size<float>(p, MathMode::kTF32) ==
            convt1d::workspace_size<float>(p, MathMode::kExact));
    }
  }
}

// The window kernel takes 1 to 3 input channels a group, strides up to kMaxWindowStride and
// windows (of its smallest tiles) that fit its shared memory in double; the direct kernel the
// rest of the small groups.
TEST_CASE("dispatch: which layers take the window kernel", "[dispatch]") {
  auto layer = [](int64_t in_channels, int64_t out_channels, int64_t groups, int64_t kernel_size,
                  int64_t stride, int64_t dilation) {
    Problem p;
    p.batch = 2;
    p.in_channels = in_channels;
    p.out_channels = out_channels;
    p.groups = groups;
    p.in_length = 1000;
    p.kernel_size = kernel_size;
    p.stride = stride;
    p.dilation = dilation;
    return p;
  };
  struct Case {
    const char* what;
    Problem problem;
    bool window;
    bool direct;  // either direct kernel
  };
  const Case cases[] = {
      {"depthwise, K 8, stride 4", layer(384, 384, 384, 8, 4, 1), true, true},
      {"channel multiplier 2", layer(64, 128, 64, 16, 8, 1), true, true},
      {"2 input channels a group", layer(128, 128, 64, 4, 2, 1), true, true},
      {"3 input channels a group, 32 outputs", layer(12, 128, 4, 4, 2, 1), true, true},
      {"4 input channels a group, 2 outputs", layer(16, 8, 4, 4, 2, 1), false, true},
      {"3 input channels a group, window of 2046 inputs (48 KiB in double)",
       layer(6, 6, 2, 2, 1, 1789), true, true},
      {"3 input channels a group, window of 2047 inputs", layer(6, 6, 2, 2, 1, 1790), false,
       true},
      {"stride 256", layer(8, 8, 8, 3, 256, 1), true, true},
      {"stride 257", layer(8, 8, 8, 3, 257, 1), false, true},
      {"window of 6129 inputs (49104 bytes in double)", layer(4, 4, 4, 9, 1, 734), true, true},
      {"window of 6137 inputs", layer(4, 4, 4, 9, 1, 735), false, true},
      {"K 5000 at stride 64 (the direct kernel's cache is 4096)", layer(4, 4, 4, 5000, 64, 1),
       true, true},
      {"K 5000 at stride 1", layer(4, 4, 4, 5000, 1, 1), false, false},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    REQUIRE(convt1d::validate(c.problem) == Status::kSuccess);
    CHECK(detail::uses_window_kernel(c.problem) == c.window);
    CHECK(detail::uses_direct_kernel(c.problem) == c.direct);
    const KernelChoice choice = detail::select_config<float>(c.problem, 132, MathMode::kExact,
                                                             false);
    CHECK((choice == KernelChoice::kWindow) == c.window);
    if (c.direct) {
      CHECK(convt1d::workspace_size<float>(c.problem, MathMode::kTF32) == 0);
      CHECK(convt1d::workspace_size<__half>(c.problem) == 0);
    }
  }
}

// The direct kernel splits a group's input channels over its threads only on layers too small to
// fill the GPU, keeping 8 channels a slice and the slices' partial outputs within the staging
// rows (slices x stride at most kernel::kMaxStagedStride).
TEST_CASE("dispatch: the direct kernel's channel slices", "[dispatch]") {
  using detail::direct_slices;
  // kb64_small: 16 x 3 rows of 130 values of m, 64 input channels, stride 1.
  CHECK(direct_slices(48, 130, 64, 1, 132) == 8);
  CHECK(direct_slices(48, 130, 32, 1, 132) == 4);  // 4 slices of 8 channels
  CHECK(direct_slices(48, 130, 15, 1, 132) == 1);
  CHECK(direct_slices(48, 130, 64, 3, 132) == 4);  // 3 x 8 staging rows would pass 16
  CHECK(direct_slices(48, 130, 64, 16, 132) == 1);
  // Depthwise: one channel a group.
  CHECK(direct_slices(48, 130, 1, 1, 132) == 1);
  // A layer whose tiles fill the GPU: 4 x 384 depthwise-like rows of 8193 values, or many rows.
  CHECK(direct_slices(1536, 8193, 64, 1, 132) == 1);
  CHECK(direct_slices(4096, 100, 64, 1, 132) == 1);
  // Fewer multiprocessors: the same small layer splits less.
  CHECK(direct_slices(48, 130, 64, 1, 8) == 1);
  CHECK(direct_slices(48, 130, 64, 1, 24) == 2);
  for (int64_t rows : {1, 7, 48, 500, 4096}) {
    for (int64_t in_per_group : {1, 3, 8, 16, 17, 64, 1000}) {
      for (int64_t stride : {1, 2, 5, 8, 17}) {
        const int slices = direct_slices(rows, 1000, in_per_group, stride, 132);
        INFO(rows << " rows, " << in_per_group << " channels, stride " << stride);
        CHECK((slices == 1 || (slices & (slices - 1)) == 0));
        CHECK(slices <= convt1d::kernel::kMaxDirectSlices);
        CHECK((slices == 1 || slices * stride <= convt1d::kernel::kMaxStagedStride));
        CHECK((slices == 1 || in_per_group / slices >= 8));
      }
    }
  }
}

// The direct kernel stages its partial outputs (and may slice) only where its tap table's 32-bit
// input offsets hold every tap's: a stride-1 layer whose taps span 2^31 inputs stores directly.
TEST_CASE("dispatch: where the direct kernel stages its outputs", "[dispatch]") {
  auto geometry = [](int64_t kernel_size, int64_t stride, int64_t dilation, int64_t in_length) {
    Problem p;
    p.batch = p.in_channels = p.out_channels = 1;
    p.kernel_size = kernel_size;
    p.stride = stride;
    p.dilation = dilation;
    p.in_length = in_length;
    REQUIRE(convt1d::validate(p) == Status::kSuccess);
    CHECK(detail::uses_direct_kernel(p));
    return detail::PhaseGeometry::from(p);
  };
  CHECK(detail::direct_stages(geometry(3, 1, 1, 100)));
  CHECK(detail::direct_stages(geometry(3, convt1d::kernel::kMaxStagedStride, 1, 100)));
  CHECK_FALSE(detail::direct_stages(geometry(3, convt1d::kernel::kMaxStagedStride + 1, 1, 100)));
  const int64_t far = int64_t{1} << 31;  // one past INT32_MAX
  CHECK(detail::direct_stages(geometry(2, 1, far - 1, far + 1)));
  CHECK_FALSE(detail::direct_stages(geometry(2, 1, far, far + 1)));
  CHECK(detail::direct_stages(geometry(2, 2, far, far + 1)));  // offset far / 2
}

// A split reduction's parts (SplitParts) cover every stage of input channels once, none empty,
// at most as many parts as asked; exact float layers on 64 x 64 tiles split in two from
// kSplitReduction multiply-adds an output, and nothing else splits.
TEST_CASE("dispatch: split reductions", "[dispatch]") {
  using detail::SplitParts;
  for (int64_t channels = 1; channels <= 600; ++channels) {
    for (const int64_t chunk : {8, 16}) {
      for (int splits = 1; splits <= detail::kMaxSplits; ++splits) {
        INFO(channels << " channels in chunks of " << chunk << ", " << splits << " parts asked");
        const SplitParts parts = SplitParts::of(channels, chunk, splits);
        const int64_t stages = (channels + chunk - 1) / chunk;
        REQUIRE(parts.parts >= 1);
        REQUIRE(parts.parts <= splits);
        REQUIRE(parts.chunks >= 1);
        REQUIRE(parts.chunks * parts.parts >= stages);          // every stage in a part
        REQUIRE(parts.chunks * (parts.parts - 1) < stages);     // the last part not empty
        if (stages >= splits) REQUIRE(parts.parts >= (splits + 1) / 2);
      }
    }
  }
  auto layer = [](int64_t batch, int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                  int64_t in_length, int64_t stride) {
    Problem p;
    p.batch = batch;
    p.in_channels = in_channels;
    p.out_channels = out_channels;
    p.kernel_size = kernel_size;
    p.in_length = in_length;
    p.stride = stride;
    p.padding = (kernel_size - stride) / 2;
    return p;
  };
  struct Case {
    const char* what;
    Problem problem;
    int splits;  // exact float, on the tile select_config() picks for 132 multiprocessors
  };
  const Case cases[] = {
      {"HiFi-GAN's first layer (512 x 2 taps)", layer(1, 512, 256, 16, 862, 8), 2},
      {"DAC's first layer (1536 x 2 taps)", layer(1, 1536, 768, 16, 862, 8), 2},
      {"a batch of 16 short chunks", layer(16, 512, 256, 16, 32, 8), 2},
      {"HiFi-GAN's second layer (256 x 2 taps)", layer(1, 256, 128, 16, 6896, 8), 1},
      {"1024 channels, K 3, stride 1", layer(1, 1024, 1024, 3, 1000, 1), 2},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    REQUIRE(convt1d::validate(c.problem) == Status::kSuccess);
    for (const bool packed : {false, true}) {
      const KernelChoice choice =
          detail::select_config<float>(c.problem, 132, MathMode::kExact, packed);
      const int splits = detail::gemm_splits<float>(c.problem, MathMode::kExact, choice);
      CHECK(splits == (choice == KernelChoice::kGemmSquare ? c.splits : 1));
      for (const MathMode math : {MathMode::kTF32, MathMode::k3xTF32}) {
        CHECK(detail::gemm_splits<float>(c.problem, math, choice) == 1);
      }
      CHECK(detail::gemm_splits<double>(c.problem, MathMode::kExact, choice) == 1);
    }
  }
  // The rule's bound: 64 input channels of 16 taps a phase split, one channel fewer does not.
  CHECK(detail::gemm_splits<float>(layer(1, 64, 64, 16, 1000, 1), MathMode::kExact,
                                   KernelChoice::kGemmSquare) == 2);
  CHECK(detail::gemm_splits<float>(layer(1, 63, 64, 16, 1000, 1), MathMode::kExact,
                                   KernelChoice::kGemmSquare) == 1);
  for (const KernelChoice other : {KernelChoice::kGemmMedium, KernelChoice::kGemmNarrow,
                                   KernelChoice::kGemmShort, KernelChoice::kMmaShort}) {
    CHECK(detail::gemm_splits<float>(layer(1, 1536, 768, 16, 862, 8), MathMode::kExact, other) ==
          1);
  }
}
