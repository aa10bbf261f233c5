// sibling next to includer
