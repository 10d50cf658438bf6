// Placeholder translation unit until the router module lands.
namespace perimeter {}
