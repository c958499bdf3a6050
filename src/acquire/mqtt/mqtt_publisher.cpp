#include "acquire/mqtt/mqtt_publisher.hpp"

#include <unistd.h>

#include <chrono>
#include <deque>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include "acquire/mqtt/mqtt_connection.hpp"
#include "acquire/mqtt/payload.hpp"
#include "core/error.hpp"

namespace xinzhi::acquire {

struct MqttPublisher::Impl {
  struct Pending {
    std::string topic;
    std::string payload;
    mqtt::delivery_token_ptr token;
  };
  std::unique_ptr<mqtt::async_client> client;
  mqtt::connect_options conn_opts;
  std::deque<Pending> pending;
};

namespace {

std::string fresh_session() {
  // Only makes ids unique between publisher runs; it does not touch any data.
  std::random_device rd;
  return fmt::format("{:x}{:04x}", std::chrono::system_clock::now().time_since_epoch().count() / 1000000,
                     rd() & 0xffff);
}

}  // namespace

MqttPublisher::MqttPublisher(MqttPublisherOptions options) : opt_(std::move(options)), impl_(std::make_unique<Impl>()) {
  const BrokerAddress broker = parse_broker_url(opt_.broker);
  if (opt_.client_id.empty()) opt_.client_id = fmt::format("xinzhi-pub-{}", ::getpid());
  if (opt_.session.empty()) opt_.session = fresh_session();
  mqtt::create_options create(MQTTVERSION_3_1_1);
  // Publishing goes on while the broker is away: Paho buffers, we keep our own copies too.
  create.set_send_while_disconnected(true);
  create.set_max_buffered_messages(static_cast<int>(opt_.window) * 2 + 100);
  impl_->client = std::make_unique<mqtt::async_client>(broker.url(), opt_.client_id, create, nullptr);
  // We reconnect ourselves (ensure_connected) rather than with Paho's automatic reconnect: in our
  // broker-restart runs Paho's timer sometimes never fired again and the publisher waited forever.
  impl_->conn_opts = mqtt::connect_options_builder()
                         // A clean session: after a reconnect we send every unacknowledged message
                         // again ourselves. (With a persistent session Paho 1.3 resends them itself,
                         // and in our broker-restart runs mosquitto sometimes refused its resend as a
                         // malformed packet on every reconnect, so the publisher never got through.)
                         .clean_session(true)
                         .mqtt_version(MQTTVERSION_3_1_1)
                         .keep_alive_interval(std::chrono::seconds(20))
                         .connect_timeout(std::chrono::seconds(opt_.connect_timeout_s))
                         .max_inflight(static_cast<int>(opt_.window) + 10)
                         .finalize();
  try {
    impl_->client->connect(impl_->conn_opts)->wait();
  } catch (const mqtt::exception& e) {
    throw Error(ErrorKind::input, broker.url(), fmt::format("cannot connect to the MQTT broker: {}", e.what()));
  }
}

MqttPublisher::~MqttPublisher() {
  try {
    flush();
    impl_->client->disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const std::exception& e) {
    spdlog::warn("mqtt publish: closing: {}", e.what());
  }
}

std::string MqttPublisher::topic_for(const std::string& gateway) const {
  return opt_.topic_prefix.empty() ? gateway + "/readings" : opt_.topic_prefix + "/" + gateway + "/readings";
}

std::string MqttPublisher::next_id(const std::string& gateway) {
  return fmt::format("{}/{}/{}", opt_.session, gateway, ++seq_[gateway]);
}

void MqttPublisher::publish(const std::string& gateway, const Reading& reading) {
  publish(gateway, std::vector<Reading>{reading});
}

void MqttPublisher::publish(const std::string& gateway, const std::vector<Reading>& readings) {
  if (readings.empty()) return;
  const std::string id = next_id(gateway);
  send(topic_for(gateway), opt_.format == PayloadFormat::json ? readings_to_json(id, readings)
                                                              : readings_to_csv(id, readings));
  readings_ += readings.size();
}

void MqttPublisher::publish_lines(const std::string& gateway, const std::vector<std::string>& lines,
                                  const std::string& csv_header) {
  if (lines.empty()) return;
  std::string payload = "#id=" + next_id(gateway) + "\n";
  if (!csv_header.empty()) payload += csv_header + "\n";
  for (const auto& l : lines) {
    payload += l;
    payload += '\n';
  }
  send(topic_for(gateway), std::move(payload));
  readings_ += lines.size();
}

void MqttPublisher::publish_document(const std::string& gateway, const std::string& document,
                                     std::size_t readings) {
  send(topic_for(gateway), "#id=" + next_id(gateway) + "\n" + document);
  readings_ += readings;
}

void MqttPublisher::ensure_connected() {
  if (impl_->client->is_connected()) return;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(opt_.give_up_s);
  int backoff_ms = 100;
  while (!impl_->client->is_connected()) {
    try {
      impl_->client->connect(impl_->conn_opts)->wait_for(std::chrono::seconds(opt_.connect_timeout_s));
    } catch (const mqtt::exception& e) {
      spdlog::debug("mqtt publish: reconnect failed: {}", e.what());
    }
    if (impl_->client->is_connected()) {
      spdlog::info("mqtt publish: reconnected to {}", opt_.broker);
      ++reconnects_;
      resend_unacknowledged();
      return;
    }
    if (std::chrono::steady_clock::now() > give_up)
      throw Error(ErrorKind::input, opt_.broker,
                  fmt::format("the MQTT broker has been unreachable for {} s", opt_.give_up_s));
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 4000);
  }
}

void MqttPublisher::resend_unacknowledged() {
  for (auto& p : impl_->pending) {
    bool done = false;
    try {
      done = p.token && p.token->try_wait();
    } catch (const mqtt::exception&) {
    }
    if (done) continue;
    try {
      p.token = impl_->client->publish(p.topic, p.payload.data(), p.payload.size(), 1, false);
      ++resends_;
    } catch (const mqtt::exception&) {
      p.token.reset();  // settle_front() tries again
    }
  }
}

void MqttPublisher::settle_front() {
  // Waits for the broker's PUBACK of the oldest message. After a reconnect Paho sends in-flight
  // messages again itself (persistent session); a message still unacknowledged after a while, or
  // whose delivery failed, we send again (the ingester drops the copy by its id).
  auto& p = impl_->pending.front();
  auto sent_at = std::chrono::steady_clock::now();
  while (true) {
    bool ok = false, failed = false;
    try {
      ok = p.token && p.token->wait_for(std::chrono::seconds(1));
    } catch (const mqtt::exception& e) {
      failed = true;
      spdlog::debug("mqtt publish: {} not acknowledged ({})", p.topic, e.what());
    }
    if (ok) break;
    if (!impl_->client->is_connected()) {
      ensure_connected();
      continue;
    }
    if (failed || !p.token || std::chrono::steady_clock::now() - sent_at > std::chrono::seconds(15)) {
      try {
        p.token = impl_->client->publish(p.topic, p.payload.data(), p.payload.size(), 1, false);
        ++resends_;
      } catch (const mqtt::exception&) {
        p.token.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      sent_at = std::chrono::steady_clock::now();
    }
  }
  impl_->pending.pop_front();
}

void MqttPublisher::send(const std::string& topic, std::string payload) {
  // A bounded window of unacknowledged messages: bounded memory, and the broker keeps up.
  while (impl_->pending.size() >= opt_.window) settle_front();
  ensure_connected();
  Impl::Pending p{topic, std::move(payload), nullptr};
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(opt_.give_up_s);
  for (int attempt = 0;; ++attempt) {
    try {
      p.token = impl_->client->publish(p.topic, p.payload.data(), p.payload.size(), 1, false);
      break;
    } catch (const mqtt::exception& e) {
      // The offline buffer is full or the client is between connections: wait and try again.
      if (std::chrono::steady_clock::now() > give_up)
        throw Error(ErrorKind::input, opt_.broker, fmt::format("cannot publish: {}", e.what()));
      if (attempt % 50 == 0) spdlog::warn("mqtt publish: {}; retrying", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  impl_->pending.push_back(std::move(p));
  ++messages_;
}

void MqttPublisher::flush() {
  while (!impl_->pending.empty()) settle_front();
}

}  // namespace xinzhi::acquire
