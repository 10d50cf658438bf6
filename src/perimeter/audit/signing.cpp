#include "audit/signing.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/sha256.h"

namespace perimeter::audit {
namespace {

std::string openssl_error(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return what + ": " + buf;
}

std::string to_hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return true;
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read key file " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string raw_public(EVP_PKEY* k) {
  unsigned char raw[64];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1)
    throw std::runtime_error(openssl_error("cannot read Ed25519 public key"));
  return std::string(reinterpret_cast<char*>(raw), len);
}

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

struct PublicKey::Impl {
  PkeyPtr key{nullptr, EVP_PKEY_free};
};

struct SigningKey::Impl {
  PkeyPtr key{nullptr, EVP_PKEY_free};
};

PublicKey::PublicKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {
  key_id_ = sha256_hex(raw_public(impl_->key.get()));
}

PublicKey PublicKey::from_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  auto impl = std::make_shared<Impl>();
  impl->key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!impl->key) throw std::runtime_error(openssl_error("not a PEM public key"));
  if (EVP_PKEY_id(impl->key.get()) != EVP_PKEY_ED25519)
    throw std::runtime_error("public key is not an Ed25519 key");
  return PublicKey(std::move(impl));
}

PublicKey PublicKey::load(const std::filesystem::path& pem_path) {
  try {
    return from_pem(read_file(pem_path));
  } catch (const std::exception& e) {
    throw std::runtime_error(pem_path.string() + ": " + e.what());
  }
}

bool PublicKey::verify(std::string_view message, std::string_view sig_hex) const {
  std::vector<unsigned char> sig;
  if (!from_hex(sig_hex, sig) || sig.size() != 64) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  return rc == 1;
}

std::string PublicKey::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PUBKEY(bio.get(), impl_->key.get()) != 1)
    throw std::runtime_error(openssl_error("cannot encode public key"));
  return bio_string(bio.get());
}

SigningKey::SigningKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

SigningKey SigningKey::load(const std::filesystem::path& pem_path) {
  std::string pem = read_file(pem_path);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  auto impl = std::make_shared<Impl>();
  impl->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!impl->key)
    throw std::runtime_error(openssl_error(pem_path.string() + ": not a PEM private key"));
  if (EVP_PKEY_id(impl->key.get()) != EVP_PKEY_ED25519)
    throw std::runtime_error(pem_path.string() + ": private key is not an Ed25519 key");
  return SigningKey(std::move(impl));
}

SigningKey SigningKey::generate() {
  auto impl = std::make_shared<Impl>();
  impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!impl->key) throw std::runtime_error(openssl_error("Ed25519 key generation failed"));
  return SigningKey(std::move(impl));
}

std::string SigningKey::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  size_t len = sizeof sig;
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    throw std::runtime_error(openssl_error("Ed25519 signing failed"));
  return to_hex(sig, len);
}

PublicKey SigningKey::public_key() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PUBKEY(bio.get(), impl_->key.get()) != 1)
    throw std::runtime_error(openssl_error("cannot encode public key"));
  return PublicKey::from_pem(bio_string(bio.get()));
}

void SigningKey::write_files(const std::filesystem::path& private_pem,
                             const std::filesystem::path& public_pem) const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1)
    throw std::runtime_error(openssl_error("cannot encode private key"));
  std::string priv = bio_string(bio.get());
  if (private_pem.has_parent_path()) std::filesystem::create_directories(private_pem.parent_path());
  // O_EXCL: never clobber a key that may have signed existing logs.
  int fd = ::open(private_pem.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot create " + private_pem.string() +
                             (errno == EEXIST ? ": file exists (refusing to overwrite a key)"
                                              : ": " + std::string(std::strerror(errno))));
  bool ok = ::write(fd, priv.data(), priv.size()) == static_cast<ssize_t>(priv.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + private_pem.string());
  std::ofstream pub(public_pem, std::ios::binary | std::ios::trunc);
  pub << public_key().pem();
  if (!pub) throw std::runtime_error("cannot write " + public_pem.string());
}

std::filesystem::path default_public_key_path(const std::filesystem::path& private_pem) {
  std::filesystem::path p = private_pem;
  if (p.extension() == ".pem") p.replace_extension();
  p += ".pub.pem";
  return p;
}

}  // namespace perimeter::audit
