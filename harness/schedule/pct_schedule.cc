// A PCT schedule's decisions (see pct_schedule.h).
#include "harness/schedule/pct_schedule.h"

#include <algorithm>

namespace racelab::schedule {
namespace {

// Initial priorities lie above every change point's (1..kMaxDepth - 1).
constexpr std::uint64_t kLowestInitialPriority = kMaxDepth;

// A draw uniform over [2^b, 2^(b+1)) for a binade b drawn uniformly from
// 0..binades-1, less `offset` (1: the first binade is {0}).
std::uint64_t LogUniform(std::uint64_t random, int binades, std::uint64_t offset) {
  const int binade = static_cast<int>(random % static_cast<std::uint64_t>(binades));
  const std::uint64_t low = std::uint64_t{1} << binade;
  return low + (random >> 8) % low - offset;
}

ChangePoint DrawChangePoint(std::uint64_t random) {
  constexpr int kThreadBinades = 8;  // 0, 1-2, 3-6, ..., 127-254
  static_assert(std::uint64_t{1} << kThreadBinades == PctSchedule::kMaxThreads);
  constexpr int kStepBinades = 14;  // 1, 2-3, ..., 8192-16383
  static_assert(std::uint64_t{1} << kStepBinades == kHorizon);
  return ChangePoint{LogUniform(random, kThreadBinades, 1),
                     LogUniform(SplitMix64(random), kStepBinades, 0)};
}

}  // namespace

PctSchedule::PctSchedule(const PctParameters& parameters)
    : seed_(parameters.seed),
      max_polls_per_point_(std::max(parameters.max_polls_per_point, 0)),
      budget_left_(std::max(parameters.budget_polls, 0)) {
  change_point_count_ = std::clamp(parameters.depth, 1, kMaxDepth) - 1;
  std::uint64_t state = SplitMix64(seed_ ^ 0x7063742d63686e67ULL);  // "pct-chng"
  for (int i = 0; i < change_point_count_; ++i) {
    state = SplitMix64(state);
    change_points_[i] = DrawChangePoint(state);
  }
}

int PctSchedule::Join() {
  const std::uint64_t order = joined_.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t priority =
      kLowestInitialPriority + (SplitMix64(seed_ + SplitMix64(order)) >> 4);
  for (int i = 0; i < kMaxThreads; ++i) {
    const int slot = static_cast<int>((order + i) % kMaxThreads);
    std::uint8_t expected = kFree;
    Slot& entry = slots_[slot];
    // Claimed as blocked until its priority is in, so that no thread
    // compares with a half-made entry.
    if (!entry.state.compare_exchange_strong(expected, kBlocked, std::memory_order_acq_rel)) {
      continue;
    }
    entry.priority.store(priority, std::memory_order_relaxed);
    entry.join_order.store(order, std::memory_order_relaxed);
    entry.steps.store(0, std::memory_order_relaxed);
    entry.state.store(kRunning, std::memory_order_release);
    int used = used_slots_.load(std::memory_order_relaxed);
    while (used <= slot &&
           !used_slots_.compare_exchange_weak(used, slot + 1, std::memory_order_acq_rel)) {
    }
    return slot;
  }
  return -1;
}

void PctSchedule::Leave(int slot) {
  if (slot < 0) return;
  slots_[slot].state.store(kFree, std::memory_order_release);
}

void PctSchedule::KeepOnly(int slot) {
  const int used = used_slots_.load(std::memory_order_acquire);
  for (int other = 0; other < used; ++other) {
    if (other != slot) Leave(other);
  }
}

void PctSchedule::SetBlocked(int slot, bool blocked) {
  if (slot < 0) return;
  slots_[slot].state.store(blocked ? kBlocked : kRunning, std::memory_order_release);
}

void PctSchedule::Step(int slot) {
  if (slot < 0) return;
  Slot& entry = slots_[slot];
  std::uint8_t overlooked = kOverlooked;  // it made progress: it counts again
  entry.state.compare_exchange_strong(overlooked, kRunning, std::memory_order_acq_rel);
  // Only the slot's own thread counts its steps.
  const ChangePoint here{entry.join_order.load(std::memory_order_relaxed),
                         entry.steps.load(std::memory_order_relaxed) + 1};
  entry.steps.store(here.step, std::memory_order_relaxed);
  for (int i = 0; i < change_point_count_; ++i) {
    // Change point i lowers the thread to priority i + 1: below every
    // initial priority, and each later-drawn point's below none before it.
    if (change_points_[i] == here) {
      entry.priority.store(static_cast<std::uint64_t>(i) + 1, std::memory_order_relaxed);
    }
  }
}

int PctSchedule::Outranking(int slot) const {
  if (slot < 0) return -1;
  const std::uint64_t own = slots_[slot].priority.load(std::memory_order_relaxed);
  const int used = used_slots_.load(std::memory_order_acquire);
  for (int other = 0; other < used; ++other) {
    if (other == slot) continue;
    const Slot& entry = slots_[other];
    if (entry.state.load(std::memory_order_acquire) == kRunning &&
        entry.priority.load(std::memory_order_relaxed) > own) {
      return other;
    }
  }
  return -1;
}

void PctSchedule::Overlook(int other) {
  if (other < 0) return;
  std::uint8_t running = kRunning;
  slots_[other].state.compare_exchange_strong(running, kOverlooked, std::memory_order_acq_rel);
}

void PctSchedule::OverlookThoseAbove(int slot) {
  if (slot < 0) return;
  const std::uint64_t own = slots_[slot].priority.load(std::memory_order_relaxed);
  const int used = used_slots_.load(std::memory_order_acquire);
  for (int other = 0; other < used; ++other) {
    Slot& entry = slots_[other];
    if (other == slot || entry.priority.load(std::memory_order_relaxed) <= own) continue;
    std::uint8_t running = kRunning;
    entry.state.compare_exchange_strong(running, kOverlooked, std::memory_order_acq_rel);
  }
}

bool PctSchedule::SpendPoll() {
  int left = budget_left_.load(std::memory_order_relaxed);
  while (left > 0 &&
         !budget_left_.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) {
  }
  return left > 0;
}

std::uint64_t PctSchedule::PriorityOf(int slot) const {
  return slot < 0 ? 0 : slots_[slot].priority.load(std::memory_order_relaxed);
}

}  // namespace racelab::schedule
