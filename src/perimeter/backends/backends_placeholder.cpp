namespace perimeter {}
