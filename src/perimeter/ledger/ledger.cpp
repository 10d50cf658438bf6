// Placeholder translation unit until the ledger module lands.
namespace perimeter {}
