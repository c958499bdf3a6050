#include "acquire/mqtt/mqtt_connection.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::acquire {

namespace {

constexpr std::uint8_t kConnect = 1, kConnack = 2, kPublish = 3, kPuback = 4, kPubrec = 5, kPubrel = 6,
                       kPubcomp = 7, kSubscribe = 8, kSuback = 9, kPingreq = 12, kPingresp = 13, kDisconnect = 14;

void put_u16(std::string& s, std::uint16_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v & 0xff);
}
void put_str(std::string& s, const std::string& v) {
  put_u16(s, static_cast<std::uint16_t>(v.size()));
  s += v;
}
std::string packet(std::uint8_t first_byte, const std::string& body) {
  std::string s(1, static_cast<char>(first_byte));
  std::size_t len = body.size();
  do {
    std::uint8_t b = len % 128;
    len /= 128;
    if (len) b |= 0x80;
    s += static_cast<char>(b);
  } while (len);
  return s + body;
}
std::uint16_t get_u16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[at]) << 8) | static_cast<unsigned char>(s[at + 1]));
}

}  // namespace

std::string BrokerAddress::url() const { return fmt::format("tcp://{}:{}", host, port); }

BrokerAddress parse_broker_url(const std::string& url) {
  std::string rest = url;
  for (const char* scheme : {"tcp://", "mqtt://"})
    if (rest.rfind(scheme, 0) == 0) rest = rest.substr(std::strlen(scheme));
  if (rest.find("://") != std::string::npos)
    throw UsageError(fmt::format("broker '{}': only tcp:// and mqtt:// are supported", url));
  BrokerAddress b;
  if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    b.host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    try {
      std::size_t used = 0;
      b.port = std::stoi(port, &used);
      if (used != port.size() || b.port <= 0 || b.port > 65535) throw std::invalid_argument("port");
    } catch (const std::exception&) {
      throw UsageError(fmt::format("broker '{}': bad port '{}'", url, port));
    }
  } else {
    b.host = rest;
  }
  if (b.host.empty()) throw UsageError(fmt::format("broker '{}': no host", url));
  return b;
}

MqttConnection::~MqttConnection() { close(); }

void MqttConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rbuf_.clear();
  rpos_ = 0;
  wbuf_.clear();
}

bool MqttConnection::connect(const BrokerAddress& broker, const std::string& client_id, bool clean_session,
                             int keep_alive_s, std::size_t max_payload, int timeout_ms) {
  close();
  keep_alive_s_ = keep_alive_s;
  max_payload_ = max_payload;
  last_received_ = std::chrono::steady_clock::now();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(broker.host.c_str(), std::to_string(broker.port).c_str(), &hints, &res); rc != 0)
    throw ConnectionLost(fmt::format("cannot resolve {}: {}", broker.host, gai_strerror(rc)));
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai && fd_ < 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd_ = fd;
    } else {
      last_error = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) throw ConnectionLost(fmt::format("cannot connect to {}: {}", broker.url(), last_error));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  std::string body;
  put_str(body, "MQTT");
  body += static_cast<char>(4);                         // protocol level 3.1.1
  body += static_cast<char>(clean_session ? 0x02 : 0);  // connect flags
  put_u16(body, static_cast<std::uint16_t>(keep_alive_s));
  put_str(body, client_id);
  send_all(packet(kConnect << 4, body));

  std::uint8_t type = 0;
  std::string ack;
  MqttMessage ignored;
  if (read_packet(timeout_ms, type, ack, ignored) != Got::other || type != kConnack || ack.size() != 2)
    throw ConnectionLost("no CONNACK from " + broker.url());
  if (ack[1] != 0) throw ConnectionLost(fmt::format("broker refused the connection (CONNACK code {})", int(ack[1])));
  return (ack[0] & 1) != 0;
}

void MqttConnection::subscribe(const std::vector<std::string>& filters, int timeout_ms) {
  const std::uint16_t id = next_id_++;
  std::string body;
  put_u16(body, id);
  for (const auto& f : filters) {
    put_str(body, f);
    body += static_cast<char>(1);  // QoS 1
  }
  send_all(packet((kSubscribe << 4) | 0x02, body));
  // A resumed session may deliver queued messages before the SUBACK: keep them for next().
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::uint8_t type = 0;
    std::string ack;
    MqttMessage msg;
    const Got got = left.count() > 0 ? read_packet(static_cast<int>(left.count()), type, ack, msg) : Got::nothing;
    if (got == Got::nothing) throw ConnectionLost("no SUBACK");
    if (got == Got::publish) {
      early_.push_back(std::move(msg));
      continue;
    }
    if (type != kSuback) continue;
    for (std::size_t i = 2; i < ack.size() && i - 2 < filters.size(); ++i)
      if (static_cast<unsigned char>(ack[i]) == 0x80)
        throw ConnectionLost(fmt::format("broker refused the subscription to '{}'", filters[i - 2]));
    return;
  }
}

std::optional<MqttMessage> MqttConnection::next(int timeout_ms) {
  if (!early_.empty()) {
    MqttMessage m = std::move(early_.front());
    early_.erase(early_.begin());
    return m;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    maybe_ping();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    // Wake up in time to keep the link alive.
    const int wait = static_cast<int>(std::max<std::int64_t>(0, std::min<std::int64_t>(left.count(), 1000)));
    std::uint8_t type = 0;
    std::string body;
    MqttMessage msg;
    const Got got = read_packet(wait, type, body, msg);
    if (got == Got::publish) return msg;
    if (got == Got::nothing && left.count() <= 0) return std::nullopt;
    if (got == Got::nothing && timeout_ms == 0) return std::nullopt;
  }
}

void MqttConnection::puback(std::uint16_t packet_id) {
  wbuf_ += static_cast<char>(kPuback << 4);
  wbuf_ += static_cast<char>(2);
  put_u16(wbuf_, packet_id);
}

void MqttConnection::flush() {
  if (wbuf_.empty()) return;
  std::string out;
  out.swap(wbuf_);
  send_all(out);
}

void MqttConnection::disconnect() {
  if (fd_ < 0) return;
  try {
    flush();
    send_all(packet(kDisconnect << 4, ""));
  } catch (const ConnectionLost&) {
  }
  close();
}

void MqttConnection::maybe_ping() {
  if (keep_alive_s_ <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  // A broker that vanished without closing the socket answers no PINGREQ: give up on the link.
  if (now - last_received_ > std::chrono::seconds(keep_alive_s_) * 3 / 2) {
    close();
    throw ConnectionLost(fmt::format("nothing from the broker for {} s", keep_alive_s_ * 3 / 2));
  }
  if (now - last_sent_ >= std::chrono::seconds(keep_alive_s_) / 2) send_all(packet(kPingreq << 4, ""));
}

void MqttConnection::send_all(const std::string& bytes) {
  if (fd_ < 0) throw ConnectionLost("not connected");
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      close();
      throw ConnectionLost("send failed: " + why);
    }
    off += static_cast<std::size_t>(n);
  }
  last_sent_ = std::chrono::steady_clock::now();
}

bool MqttConnection::fill(int timeout_ms) {
  if (fd_ < 0) throw ConnectionLost("not connected");
  pollfd p{fd_, POLLIN, 0};
  const int rc = ::poll(&p, 1, timeout_ms);
  if (rc < 0 && errno == EINTR) return false;  // a signal: let the caller look at its stop flag
  if (rc < 0) throw ConnectionLost(std::string("poll failed: ") + std::strerror(errno));
  if (rc == 0) return false;
  if (rpos_ > 0 && rpos_ * 2 >= rbuf_.size()) {
    rbuf_.erase(0, rpos_);
    rpos_ = 0;
  }
  const std::size_t old = rbuf_.size();
  rbuf_.resize(old + 65536);
  const ssize_t n = ::recv(fd_, rbuf_.data() + old, 65536, 0);
  rbuf_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
  if (n == 0) {
    close();
    throw ConnectionLost("the broker closed the connection");
  }
  if (n > 0) last_received_ = std::chrono::steady_clock::now();
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return false;
    const std::string why = std::strerror(errno);
    close();
    throw ConnectionLost("receive failed: " + why);
  }
  return true;
}

void MqttConnection::read_exact(char* dst, std::size_t n) {
  while (n > 0) {
    if (available() == 0) {
      // Mid-packet: the rest must follow promptly, else the link is broken.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!fill(1000))
        if (std::chrono::steady_clock::now() > give_up) {
          close();
          throw ConnectionLost("timed out in the middle of a packet");
        }
    }
    const std::size_t k = std::min(n, available());
    if (dst) {
      std::memcpy(dst, rbuf_.data() + rpos_, k);
      dst += k;
    }
    rpos_ += k;
    n -= k;
  }
}

MqttConnection::Got MqttConnection::read_packet(int timeout_ms, std::uint8_t& type, std::string& body,
                                                MqttMessage& msg) {
  if (available() == 0 && !fill(timeout_ms)) return Got::nothing;
  char first = 0;
  read_exact(&first, 1);
  std::size_t length = 0;
  for (int shift = 0;; shift += 7) {
    char b = 0;
    read_exact(&b, 1);
    length |= static_cast<std::size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    if (shift >= 21) {
      close();
      throw ConnectionLost("malformed packet length");
    }
  }
  type = static_cast<std::uint8_t>(static_cast<unsigned char>(first) >> 4);
  if (type != kPublish) {
    body.resize(length);
    read_exact(body.data(), length);
    if (type == kPubrel) {  // QoS 2 never granted, but answer politely if a broker sends one
      std::string b;
      put_u16(b, get_u16(body, 0));
      send_all(packet(kPubcomp << 4, b));
    }
    (void)kPubrec;
    (void)kPingresp;
    return Got::other;
  }
  msg.qos = (first >> 1) & 3;
  msg.dup = (first & 0x08) != 0;
  char hdr[2];
  read_exact(hdr, 2);
  const std::size_t topic_len = (static_cast<unsigned char>(hdr[0]) << 8) | static_cast<unsigned char>(hdr[1]);
  std::size_t used = 2 + topic_len + (msg.qos > 0 ? 2 : 0);
  if (used > length) {
    close();
    throw ConnectionLost("malformed PUBLISH");
  }
  msg.topic.resize(topic_len);
  read_exact(msg.topic.data(), topic_len);
  if (msg.qos > 0) {
    read_exact(hdr, 2);
    msg.packet_id = static_cast<std::uint16_t>((static_cast<unsigned char>(hdr[0]) << 8) |
                                               static_cast<unsigned char>(hdr[1]));
  }
  msg.payload_size = length - used;
  const std::size_t keep = msg.payload_size > max_payload_ ? std::min<std::size_t>(4096, msg.payload_size)
                                                           : msg.payload_size;
  msg.payload.resize(keep);
  read_exact(msg.payload.data(), keep);
  read_exact(nullptr, msg.payload_size - keep);
  return Got::publish;
}

}  // namespace xinzhi::acquire
