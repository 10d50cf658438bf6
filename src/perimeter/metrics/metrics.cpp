// Placeholder translation unit until the metrics module lands.
namespace perimeter {}
