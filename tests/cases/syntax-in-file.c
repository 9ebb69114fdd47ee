/* relu, scaled */
float relu_scale(float x[n], static float scale) {
  y = maximum(x, 0) * scale
  return y;
}
