// Placeholder translation unit until the detect module lands.
namespace perimeter {}
