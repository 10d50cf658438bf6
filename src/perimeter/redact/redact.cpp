// Placeholder translation unit until the redact module lands.
namespace perimeter {}
