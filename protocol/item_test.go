package protocol

import (
	"reflect"
	"strings"
	"testing"
)

func TestItemsWithAndWithoutMarks(t *testing.T) {
	line := `{"t":"collected_file","file":0,"items":[["a.py::b","a.py",1,"b",{"x":true,"k":["db"],"s":2}],["a.py::c","a.py",2,"c"]]}` + "\n"
	m, err := NewDecoder(strings.NewReader(line)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	want := &Marks{Exclusive: true, Locks: []string{"db"}, Slots: 2}
	if !reflect.DeepEqual(m.Items[0].Marks, want) {
		t.Errorf("marks: got %+v, want %+v", m.Items[0].Marks, want)
	}
	if m.Items[1].Marks != nil {
		t.Errorf("an item without marks got %+v", m.Items[1].Marks)
	}
	for _, it := range m.Items {
		data, err := it.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Item
		if err := back.UnmarshalJSON(data); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, it) {
			t.Errorf("round trip: got %+v, want %+v", back, it)
		}
	}
}

func TestItemWithBadMarks(t *testing.T) {
	line := `{"t":"collected_file","file":0,"items":[["a.py::b","a.py",1,"b",{"s":"two"}]]}` + "\n"
	if _, err := NewDecoder(strings.NewReader(line)).Decode(); err == nil {
		t.Error("slots as a string: want an error")
	}
}
