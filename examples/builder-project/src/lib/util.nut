// Shared helpers (included once per side).
function clamp(value, low, high) {
    return value < low ? low : (value > high ? high : value);
}
