// Placeholder translation unit until the audit module lands.
namespace perimeter {}
