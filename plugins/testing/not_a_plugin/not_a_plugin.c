/* An ordinary shared library, found on a plugin path by mistake. */
__attribute__((visibility("default"))) int not_a_plugin_answer(void) {
  return 42;
}
