// found next to includer
