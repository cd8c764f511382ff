#include "pipeline/checkpoint_coordinator.h"

#include <gtest/gtest.h>

namespace cdc {
namespace {

Delivery Ok(uint64_t ticket, int32_t partition = 0, int64_t offset = 0) {
  return Delivery{ticket, absl::OkStatus(), {"t", partition}, offset, 10};
}

TEST(CheckpointCoordinator, ConfirmsOnlyFullyAcknowledgedPrefix) {
  CheckpointCoordinator c(CheckpointCoordinator::AckStage::kBroker);
  c.Begin();
  const uint64_t a1 = c.AddMessage();
  const uint64_t a2 = c.AddMessage();
  c.Commit(Lsn{100});
  c.Begin();
  const uint64_t b1 = c.AddMessage();
  c.Commit(Lsn{200});
  c.OnDelivered(Ok(b1));  // the later transaction completes first
  EXPECT_FALSE(c.TakeConfirmable().has_value());
  c.OnDelivered(Ok(a1));
  EXPECT_FALSE(c.TakeConfirmable().has_value());
  c.OnDelivered(Ok(a2));
  EXPECT_EQ(c.TakeConfirmable(), Lsn{200});
  EXPECT_FALSE(c.TakeConfirmable().has_value());
}

// Snapshot chunks are units of their own: one is done only with every
// earlier one, whatever order their deliveries arrive in.
TEST(CheckpointCoordinator, DoneThroughCoversOnlyACompletePrefix) {
  CheckpointCoordinator c(CheckpointCoordinator::AckStage::kBroker);
  EXPECT_EQ(c.DoneThrough(), 0u);
  c.Begin();
  const uint64_t a = c.AddMessage();
  const uint64_t first = c.Commit(Lsn{0});
  c.Begin();
  const uint64_t b = c.AddMessage();
  const uint64_t second = c.Commit(Lsn{0});
  EXPECT_LT(first, second);
  c.OnDelivered(Ok(b));
  EXPECT_EQ(c.DoneThrough(), 0u);
  c.OnDelivered(Ok(a));
  EXPECT_EQ(c.DoneThrough(), second);
}

TEST(CheckpointCoordinator, NeverConfirmsPastAFailedDelivery) {
  CheckpointCoordinator c(CheckpointCoordinator::AckStage::kBroker);
  c.Begin();
  const uint64_t t = c.AddMessage();
  c.Commit(Lsn{100});
  c.OnDelivered(Delivery{t, absl::DataLossError("fenced"), {"t", 0}, -1, 0});
  c.Idle(Lsn{500});
  EXPECT_FALSE(c.TakeConfirmable().has_value());
  EXPECT_EQ(c.Error().code(), absl::StatusCode::kDataLoss);
}

TEST(CheckpointCoordinator, IdlePositionConfirmableOnlyWhenNothingPending) {
  CheckpointCoordinator c(CheckpointCoordinator::AckStage::kBroker);
  c.Idle(Lsn{50});
  EXPECT_EQ(c.TakeConfirmable(), Lsn{50});
  c.Begin();
  const uint64_t t = c.AddMessage();
  c.Commit(Lsn{100});
  c.Idle(Lsn{150});
  EXPECT_FALSE(c.TakeConfirmable().has_value());
  c.OnDelivered(Ok(t));
  EXPECT_EQ(c.TakeConfirmable(), Lsn{150});
}

TEST(CheckpointCoordinator, AbandonedTransactionConfirmsNothing) {
  CheckpointCoordinator c(CheckpointCoordinator::AckStage::kBroker);
  c.Begin();
  const uint64_t a = c.AddMessage();
  c.Commit(Lsn{100});
  c.Begin();
  const uint64_t broken = c.AddMessage();
  c.AbandonOpenTransaction();  // the stream broke; the server re-sends it
  c.Begin();
  const uint64_t again = c.AddMessage();
  c.Commit(Lsn{300});
  c.OnDelivered(Ok(a));
  EXPECT_EQ(c.TakeConfirmable(), Lsn{100});
  c.OnDelivered(Ok(again));
  EXPECT_FALSE(c.TakeConfirmable().has_value());  // the abandoned one is still in flight
  c.OnDelivered(Ok(broken));
  EXPECT_EQ(c.TakeConfirmable(), Lsn{300});
}

TEST(CheckpointCoordinator, WarehouseStageWaitsForCommittedOffsets) {
  CheckpointCoordinator c(CheckpointCoordinator::AckStage::kWarehouse);
  c.Begin();
  const uint64_t t1 = c.AddMessage();
  const uint64_t t2 = c.AddMessage();
  c.Commit(Lsn{100});
  c.OnDelivered(Ok(t1, 0, 7));
  c.OnDelivered(Ok(t2, 1, 3));
  EXPECT_FALSE(c.TakeConfirmable().has_value());  // Kafka acks are not enough
  EXPECT_EQ(c.MaxUncommittedPartitionBytes(), 10u);
  c.OnWarehouseCommitted({{{"t", 0}, 8}});
  EXPECT_FALSE(c.TakeConfirmable().has_value());
  c.OnWarehouseCommitted({{{"t", 1}, 3}});  // offset 3 not yet covered (next=3)
  EXPECT_FALSE(c.TakeConfirmable().has_value());
  c.OnWarehouseCommitted({{{"t", 1}, 4}});
  EXPECT_EQ(c.TakeConfirmable(), Lsn{100});
  EXPECT_EQ(c.MaxUncommittedPartitionBytes(), 0u);
}

}  // namespace
}  // namespace cdc
