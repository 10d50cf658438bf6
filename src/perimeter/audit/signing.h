// Ed25519 keys for audit checkpoints and heads (OpenSSL). The gateway holds
// the private key; verifiers need only the public key.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace perimeter::audit {

class PublicKey {
 public:
  // Loads a PEM SubjectPublicKeyInfo Ed25519 key; throws std::runtime_error.
  static PublicKey load(const std::filesystem::path& pem_path);
  // Parses PEM text of a public key; throws std::runtime_error.
  static PublicKey from_pem(std::string_view pem);

  // True if `sig_hex` is a valid signature of `message` by this key.
  bool verify(std::string_view message, std::string_view sig_hex) const;

  // sha256 hex of the raw 32-byte public key: names the key in checkpoints.
  const std::string& key_id() const { return key_id_; }

  // PEM text of this public key.
  std::string pem() const;

 private:
  struct Impl;
  explicit PublicKey(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
  std::string key_id_;
};

class SigningKey {
 public:
  // Loads a PEM PKCS#8 Ed25519 private key; throws std::runtime_error.
  static SigningKey load(const std::filesystem::path& pem_path);
  // A fresh random key (for tests and keygen).
  static SigningKey generate();

  // Hex Ed25519 signature of `message`. Thread-safe.
  std::string sign(std::string_view message) const;

  // The matching public key.
  PublicKey public_key() const;

  // Writes the private key (mode 0600) and public key PEM files; refuses to
  // overwrite an existing private key file.
  void write_files(const std::filesystem::path& private_pem,
                   const std::filesystem::path& public_pem) const;

 private:
  struct Impl;
  explicit SigningKey(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The public key path paired with a private key path by keygen:
// "dir/name.pem" -> "dir/name.pub.pem".
std::filesystem::path default_public_key_path(const std::filesystem::path& private_pem);

}  // namespace perimeter::audit
