// Where the phase-GEMM kernel finds its weights: PyTorch's layout as given, or the same weights
// rearranged per phase in the caller's workspace. Host and device.
//
// PyTorch's w is (in_channels, out_channels / groups, kernel_size): the kernel_size taps of one
// (ci, co) pair are contiguous, and consecutive output channels are kernel_size elements apart.
// A phase-GEMM stage reads one tap of every output channel of its tile, so at stride s each
// 32-byte sector it loads holds about one useful element in s (docs/design.md).
//
// The packed layout stores, for each group, phase with taps, input channel and tap of the phase,
// the row of all output channels contiguously:
//   packed[group][k0][ci][i][co] = w[group * in_per_group + ci][co][k0 + i * tap_step]
// where k0 < min(kernel_size, tap_step) is the phase's first tap (each phase with taps has its
// own, docs/design.md), i runs below the largest tap count of a phase (ceil(K / tap_step); a
// phase with fewer taps has zero rows there) and co is padded with zeros to a multiple of
// kPackedChannelAlignment. A stage's weights are then whole rows of consecutive elements, and
// the packed weights take at most about twice the space of w.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "phase.hpp"

namespace convt1d::detail {

// Output channels of a packed row are padded to a multiple of this, so that every row starts on
// a 32-byte sector of float elements.
inline constexpr int64_t kPackedChannelAlignment = 8;

// The element offset of w[ci][co][k0 + i * tap_step] of group g, for the phase whose first tap is
// k0, in either layout: one linear form, whose coefficients say which.
struct WeightLayout {
  int64_t group = 0;        // per group
  int64_t first_tap = 0;    // per unit of the phase's first tap
  int64_t in_channel = 0;   // per input channel of the group
  int64_t tap = 0;          // per tap number i of the phase
  int64_t out_channel = 0;  // per output channel
  // Rows of consecutive output channels made of whole 16-byte chunks that start on 16-byte
  // boundaries, zeros past the group's channels (the packed layout): a stage may copy them 16
  // bytes at a time.
  bool chunked = false;

  constexpr CONVT1D_HOST_DEVICE int64_t base(int64_t g, int64_t phase_first_tap) const {
    return g * group + phase_first_tap * first_tap;
  }
};

// The product of `factors`, or -1 where it does not fit in int64_t.
constexpr int64_t checked_product(std::initializer_list<int64_t> factors) {
  int64_t count = 1;
  for (const int64_t factor : factors) {
    if (!checked_mul(count, factor, count)) return -1;
  }
  return count;
}

// Sizes of the packed weights of a problem.
struct PackedShape {
  int64_t groups = 0, first_taps = 0, in_per_group = 0, taps = 0, padded_out = 0;

  static constexpr PackedShape from(const Problem& p) {
    const PhaseGeometry geometry = PhaseGeometry::from(p);
    PackedShape shape;
    shape.groups = p.groups;
    // Phases with taps, one per first tap k0 < tap_step below the kernel size.
    shape.first_taps = p.kernel_size < geometry.tap_step ? p.kernel_size : geometry.tap_step;
    shape.in_per_group = p.in_channels / p.groups;
    shape.taps = (p.kernel_size + geometry.tap_step - 1) / geometry.tap_step;  // k0 = 0's
    const int64_t out_per_group = p.out_channels / p.groups;
    shape.padded_out = (out_per_group + kPackedChannelAlignment - 1) / kPackedChannelAlignment *
                       kPackedChannelAlignment;
    return shape;
  }

  // Elements of the packed weights, or -1 where the count does not fit in int64_t.
  constexpr int64_t elements() const {
    return checked_product({groups, first_taps, in_per_group, taps, padded_out});
  }

  constexpr WeightLayout layout() const {
    WeightLayout layout;
    layout.out_channel = 1;
    layout.chunked = true;
    layout.tap = padded_out;
    layout.in_channel = taps * padded_out;
    layout.first_tap = in_per_group * layout.in_channel;
    layout.group = first_taps * layout.first_tap;
    return layout;
  }
};

// The tensor-core kernel's operands with the input channels contiguous (kernel/gemm_rows_kernel.cuh),
// in the caller's workspace: the weights as rows of one output channel,
//   weight_rows[group][k0][i][co][ci] = w[group * in_per_group + ci][co][k0 + i * tap_step],
// and the input as rows of one position,
//   input_rows[n * groups + group][t][ci] = x[n][group * in_per_group + ci][t],
// both with ci padded with zeros to channels = a multiple of kRowChannelAlignment, so that every
// row is whole 16-byte chunks that start on 16-byte boundaries.
inline constexpr int64_t kRowChannelAlignment = 8;

struct RowShape {
  int64_t batch = 0, groups = 0, first_taps = 0, taps = 0, out_per_group = 0, in_length = 0;
  int64_t channels = 0;  // input channels of a group, padded

  static constexpr RowShape from(const Problem& p) {
    const PackedShape packed = PackedShape::from(p);
    RowShape shape;
    shape.batch = p.batch;
    shape.groups = p.groups;
    shape.first_taps = packed.first_taps;
    shape.taps = packed.taps;
    shape.out_per_group = p.out_channels / p.groups;
    shape.in_length = p.in_length;
    shape.channels = (packed.in_per_group + kRowChannelAlignment - 1) / kRowChannelAlignment *
                     kRowChannelAlignment;
    return shape;
  }

  // Elements of the weight rows and of the input rows, or -1 where a count does not fit in
  // int64_t.
  constexpr int64_t weight_elements() const {
    return checked_product({groups, first_taps, taps, out_per_group, channels});
  }
  constexpr int64_t input_elements() const {
    return checked_product({batch, groups, in_length, channels});
  }

  constexpr CONVT1D_HOST_DEVICE WeightLayout weight_layout() const {
    WeightLayout layout;
    layout.in_channel = 1;
    layout.out_channel = channels;
    layout.tap = out_per_group * channels;
    layout.first_tap = taps * layout.tap;
    layout.group = first_taps * layout.first_tap;
    return layout;
  }
};

constexpr WeightLayout pytorch_weight_layout(int64_t in_per_group, int64_t out_per_group,
                                             int64_t kernel_size, const PhaseGeometry& geometry) {
  WeightLayout layout;
  layout.out_channel = kernel_size;
  layout.tap = geometry.tap_step;
  layout.in_channel = out_per_group * kernel_size;
  layout.group = in_per_group * layout.in_channel;
  layout.first_tap = 1;
  return layout;
}

}  // namespace convt1d::detail
