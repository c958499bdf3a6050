#include "acquire/mqtt/mqtt_ingester.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "acquire/mqtt/mqtt_connection.hpp"
#include "core/progress.hpp"
#include "acquire/series_tally.hpp"
#include "store/mqtt_seen_table.hpp"
#include "store/readings_table.hpp"
#include "store/sources_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::acquire {

namespace {

using Clock = std::chrono::steady_clock;

// Everything of one batch goes into the warehouse in one transaction.
class BatchWriter {
 public:
  BatchWriter(store::Warehouse& wh, std::string source)
      : wh_(wh), source_(std::move(source)), seen_(wh.db()), readings_(wh.db()), quarantine_(wh.db()),
        counter_(wh.db(), "mqtt") {}

  void commit(const std::vector<MqttMessage>& batch, const ReadingRules& rules, std::size_t max_payload,
              MqttIngestStats& stats) {
    const TimestampMs now = now_ms();
    // Decode outside the transaction: it is the slow part and needs no lock.
    std::vector<DecodedPayload> decoded;
    decoded.reserve(batch.size());
    for (const auto& m : batch) {
      if (m.payload_size > max_payload) {
        DecodedPayload d;
        d.rejected.push_back({"", m.payload, fmt::format("payload of {} bytes is over the limit of {} bytes",
                                                         m.payload_size, max_payload)});
        decoded.push_back(std::move(d));
      } else {
        decoded.push_back(decode_payload(m.payload, rules, now, max_payload));
      }
    }
    std::uint64_t messages = 0, readings = 0, quarantined = 0;
    SeriesTally tally;
    store::Transaction tx(wh_.db());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const MqttMessage& m = batch[i];
      DecodedPayload& d = decoded[i];
      const std::string key = d.msg_id.empty() || m.payload_size > max_payload ? content_key(m.topic, m.payload) : d.msg_id;
      if (!seen_.mark(key, m.topic, now)) {
        ++stats.duplicates;
        continue;
      }
      ++messages;
      for (const auto& r : d.readings) {
        readings_.append(r);
        tally.add(r);
      }
      readings += d.readings.size();
      for (const auto& q : d.rejected) {
        std::string place = m.topic;
        if (!d.msg_id.empty()) place += " #" + d.msg_id;
        if (!q.where.empty()) place += " " + q.where;
        quarantine_.append({source_, place, q.raw, q.reason, "mqtt"}, now);
        spdlog::warn("mqtt: quarantined {}: {}", place, q.reason);
      }
      quarantined += d.rejected.size();
    }
    store::record_series_seen(wh_.db(), tally.seen());
    counter_.add(source_, static_cast<std::int64_t>(messages), static_cast<std::int64_t>(readings),
                 static_cast<std::int64_t>(quarantined), now);
    tx.commit();
    stats.messages += messages;
    stats.readings += readings;
    stats.quarantined += quarantined;
    ++stats.commits;
  }

 private:
  store::Warehouse& wh_;
  std::string source_;
  store::MqttSeen seen_;
  store::ReadingAppender readings_;
  store::QuarantineAppender quarantine_;
  store::StreamSourceCounter counter_;
};

}  // namespace

MqttIngester::MqttIngester(MqttIngestOptions options) : opt_(std::move(options)) {}

MqttIngestStats MqttIngester::run(const std::atomic<bool>* stop_flag) {
  const BrokerAddress broker = parse_broker_url(opt_.broker);
  store::Warehouse wh(opt_.db);
  // The broker forgets a message once we acknowledge it, so the commit before the PUBACK must
  // reach the disk, not only the page cache: FULL syncs the WAL on every commit.
  wh.sync_every_commit(opt_.durable);
  std::string source = broker.url();
  for (std::size_t i = 0; i < opt_.topics.size(); ++i) source += (i ? "," : " ") + opt_.topics[i];
  BatchWriter writer(wh, source);

  auto stopping = [&] { return stop_ || (stop_flag && stop_flag->load()); };
  MqttIngestStats stats;
  // mqtt_seen grows by a row per message: ids older than the retention are dropped.
  auto last_prune = Clock::now();
  auto prune_seen = [&] {
    last_prune = Clock::now();
    if (opt_.seen_retention_days <= 0) return;
    const auto cutoff = now_ms() - static_cast<std::int64_t>(opt_.seen_retention_days * 86'400'000.0);
    const auto n = static_cast<std::uint64_t>(store::MqttSeen(wh.db()).forget_before(cutoff));
    stats.seen_pruned += n;
    if (n) spdlog::info("mqtt: forgot {} message ids older than {} days", n, opt_.seen_retention_days);
  };
  MqttConnection conn;
  Progress progress("mqtt ingest", opt_.max_messages, "messages");
  int backoff_ms = 100;
  auto last_message = Clock::now();
  bool first_connect = true;
  std::vector<MqttMessage> batch;

  while (!stopping()) {
    try {
      const bool resumed = conn.connect(broker, opt_.client_id, /*clean_session=*/false, opt_.keep_alive_s,
                                        opt_.max_payload);
      conn.subscribe(opt_.topics);
      spdlog::info("mqtt: subscribed to {} on {} as '{}' ({} session)", fmt::join(opt_.topics, ", "), broker.url(),
                   opt_.client_id, resumed ? "resumed" : "new");
      prune_seen();
      if (!first_connect) ++stats.reconnects;
      first_connect = false;
      backoff_ms = 100;
      last_message = Clock::now();
      while (!stopping()) {
        batch.clear();
        auto m = conn.next(200);
        if (!m) {
          if (opt_.idle_exit_s > 0 &&
              std::chrono::duration<double>(Clock::now() - last_message).count() >= opt_.idle_exit_s) {
            spdlog::info("mqtt: no message for {} s, stopping", opt_.idle_exit_s);
            stop_ = true;
          }
          continue;
        }
        batch.push_back(std::move(*m));
        // Take what has already arrived, then commit: one fsync for many messages. With the
        // broker's in-flight window full, nothing more comes until we acknowledge.
        while (batch.size() < opt_.max_batch_messages) {
          auto more = conn.next(0);
          if (!more) break;
          batch.push_back(std::move(*more));
        }
        writer.commit(batch, opt_.rules, opt_.max_payload, stats);
        for (const auto& b : batch)
          if (b.qos > 0) conn.puback(b.packet_id);
        conn.flush();
        last_message = Clock::now();
        if (last_message - last_prune >= std::chrono::hours(1)) prune_seen();
        progress.set(stats.messages);
        if (opt_.max_messages && stats.messages >= opt_.max_messages) stop_ = true;
      }
      conn.disconnect();
    } catch (const ConnectionLost& e) {
      // Whatever we had not acknowledged, the broker sends again; what we committed but could not
      // acknowledge comes back too and is recognised by its id.
      conn.close();
      if (stopping()) break;
      spdlog::warn("mqtt: {}; reconnecting in {} ms", e.what(), backoff_ms);
      const auto until = Clock::now() + std::chrono::milliseconds(backoff_ms);
      while (Clock::now() < until && !stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      backoff_ms = std::min(backoff_ms * 2, opt_.max_backoff_ms);
    }
  }
  progress.finish();
  return stats;
}

}  // namespace xinzhi::acquire
