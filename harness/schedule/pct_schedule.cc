// A PCT schedule's decisions (see pct_schedule.h).
#include "harness/schedule/pct_schedule.h"

#include <algorithm>

namespace racelab::schedule {
namespace {

// Initial priorities lie above every change point's (1..kMaxDepth - 1).
constexpr std::uint64_t kLowestInitialPriority = kMaxDepth;

// A step drawn log-uniformly from 1..kHorizon - 1: a power of two first
// (each equally likely), then a step of that binade.
std::uint64_t ChangePoint(std::uint64_t random) {
  constexpr int kBinades = 14;  // log2(kHorizon)
  static_assert(std::uint64_t{1} << kBinades == kHorizon);
  const int binade = static_cast<int>(random % kBinades);
  const std::uint64_t low = std::uint64_t{1} << binade;
  return low + (random >> 8) % low;
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
    change_points_[i] = ChangePoint(state);
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

void PctSchedule::SetBlocked(int slot, bool blocked) {
  if (slot < 0) return;
  slots_[slot].state.store(blocked ? kBlocked : kRunning, std::memory_order_release);
}

void PctSchedule::Step(int slot) {
  const std::uint64_t step = steps_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (slot < 0) return;
  std::uint8_t overlooked = kOverlooked;  // it made progress: it counts again
  slots_[slot].state.compare_exchange_strong(overlooked, kRunning, std::memory_order_acq_rel);
  for (int i = 0; i < change_point_count_; ++i) {
    // Change point i lowers the thread to priority i + 1: below every
    // initial priority, and each later-drawn point's below none before it.
    if (change_points_[i] == step) {
      slots_[slot].priority.store(static_cast<std::uint64_t>(i) + 1, std::memory_order_relaxed);
    }
  }
}

bool PctSchedule::Outranked(int slot) const {
  if (slot < 0) return false;
  const std::uint64_t own = slots_[slot].priority.load(std::memory_order_relaxed);
  const int used = used_slots_.load(std::memory_order_acquire);
  for (int other = 0; other < used; ++other) {
    if (other == slot) continue;
    const Slot& entry = slots_[other];
    if (entry.state.load(std::memory_order_acquire) == kRunning &&
        entry.priority.load(std::memory_order_relaxed) > own) {
      return true;
    }
  }
  return false;
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
